// Status server routes against a real instance: probe codes, operator certificate pinning (401/503/200),
// /pg/status fields and types (test/fixtures/status/pg-status-fields.json) running and while postgres is down,
// and `instance status`.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { appendFileSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { MAIN_JS, PG_BIN, freePort, processesMentioning, secretValue, startManager, type ManagerHandle } from '../helpers/manager.js';
import { checkFields, OWN_STATUS_FIELDS, errorOf, statusRequest, waitForStatus, type FieldSpec } from '../helpers/status-client.js';
import { createCa, createClientCert } from '../../src/tls/generate.js';

const FIXTURE = JSON.parse(readFileSync(new URL('../../../test/fixtures/status/pg-status-fields.json', import.meta.url), 'utf8')) as Record<string, Record<string, FieldSpec>>;

let h: ManagerHandle | undefined;
after(async () => {
  await h?.stop();
  for (const pid of h ? processesMentioning(h.dir) : []) process.kill(pid, 'SIGKILL');
});

function spkiSha256(certPem: string): string {
  return createHash('sha256').update(new X509Certificate(certPem).publicKey.export({ type: 'spki', format: 'der' })).digest('hex');
}

function patchStatusFile(stateDir: string, patch: Record<string, unknown>): void {
  const path = join(stateDir, 'status.json');
  const current = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  writeFileSync(`${path}.tmp`, JSON.stringify({ ...current, ...patch }));
  renameSync(`${path}.tmp`, path);
}

function asPostgres(h: ManagerHandle, sql: string): string {
  return execFileSync('runuser', ['-u', 'postgres', '--', join(PG_BIN, 'psql'), '-X', '-At', '-h', join(h.stateDir, 'controller', 'run'), '-p', String(h.port), '-d', 'postgres', '-c', sql], { encoding: 'utf8' });
}

test('routes, operator pinning, /pg/status fields, instance status, and postgres down', { skip: process.getuid?.() !== 0 && 'needs root (psql as postgres)' }, async () => {
  h = await startManager();
  await h.waitForLine((l) => l.msg === 'instance ready', 60_000, 'instance ready');
  const ca = secretValue(h.stateDir, 't1-ca', 'ca.crt');
  const port = h.statusPort;
  const get = (path: string, extra: Partial<Parameters<typeof statusRequest>[0]> = {}): ReturnType<typeof statusRequest> => statusRequest({ port, path, ca, ...extra });

  // Probes: CNPG's codes and bodies; GET and HEAD (other methods: status-hostile-http.test.ts).
  for (const path of ['/healthz', '/readyz', '/startupz', '/failsafe']) {
    for (const method of ['GET', 'HEAD']) {
      const r = await get(path, { method });
      assert.equal(r.status, 200, `${method} ${path}: ${r.body}`);
      assert.equal(r.body, method === 'HEAD' ? '' : 'OK');
    }
  }
  const unknown = await get('/pg/nothing');
  assert.equal(unknown.status, 404);
  assert.equal(errorOf(unknown.body).code, 'NOT_FOUND');

  // /pg/status on a running primary, with a replication slot so the array items are checked too.
  asPostgres(h, "SELECT pg_create_physical_replication_slot('status_test', true)");
  const running = await get('/pg/status');
  assert.equal(running.status, 200, running.body);
  assert.equal(running.contentType, 'application/json');
  const status = JSON.parse(running.body) as Record<string, unknown>;
  assert.deepEqual(checkFields(status, { ...FIXTURE.status, ...OWN_STATUS_FIELDS }, 'status'), []);
  assert.equal(status.isPrimary, true);
  assert.equal(status.mightBeUnavailable, false);
  assert.match(String(status.systemID), /^\d{10,20}$/);
  assert.match(String(status.currentLsn), /^[0-9A-F]+\/[0-9A-F]+$/);
  assert.match(String(status.currentWAL), /^[0-9A-F]{24}$/);
  assert.equal(status.timeLineID, 1);
  assert.match(String(status.loadedConfigurationHash), /^[0-9a-f]{64}$/);
  assert.equal((status.pod as { metadata: { name: string } }).metadata.name, 't1-1');
  const slots = status.replicationSlotsInfo as Record<string, unknown>[];
  assert.equal(slots.length, 1);
  assert.deepEqual(checkFields(slots[0] ?? {}, FIXTURE.replicationSlotsInfo ?? {}, 'slot'), []);
  assert.equal(slots[0]?.slotName, 'status_test');
  assert.equal(slots[0]?.slotType, 'physical');
  assert.equal(typeof slots[0]?.safeWalSize === 'number' || slots[0]?.safeWalSize === null, true);

  // `instance status` prints the same document.
  const cli = spawnSync(process.execPath, [MAIN_JS, 'instance', 'status', '--cluster-manifest', h.manifestPath, '--state-dir', h.stateDir, '--status-port', String(port)], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(cli.status, 0, cli.stderr);
  assert.equal((JSON.parse(cli.stdout) as { sessionID: string }).sessionID, status.sessionID);
  const nobody = spawnSync(process.execPath, [MAIN_JS, 'instance', 'status', '--cluster-manifest', h.manifestPath, '--state-dir', h.stateDir, '--status-port', String(await freePort())], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(nobody.status, 1);
  assert.match(nobody.stderr, /nothing listens on the status port/);

  // Operator routes: no certificate 401, certificate but nothing registered 503, wrong 503, right 200.
  const operatorCa = await createCa({ commonName: 'operator-ca' });
  const operator = await createClientCert({ ca: operatorCa, commonName: 'cnpg-operator' });
  const intruder = await createClientCert({ ca: operatorCa, commonName: 'someone-else' });
  const asOperator = { cert: operator.certPem, key: operator.keyPem };
  for (const [path, method] of [['/pg/controldata', 'GET'], ['/pg/mode/backup', 'GET'], ['/pg/archive/partial', 'POST'], ['/update', 'PUT']] as const) {
    const r = await get(path, { method });
    assert.equal(r.status, 401, `${path} without a client certificate`);
    assert.equal(errorOf(r.body).message, 'client certificate required');
  }
  const unregistered = await get('/pg/controldata', asOperator);
  assert.equal(unregistered.status, 503);
  assert.equal(errorOf(unregistered.body).message, 'operator certificate not registered');

  patchStatusFile(h.stateDir, { operatorCertificateFingerprint: spkiSha256(operator.certPem) });
  const control = await waitForStatus({ port, path: '/pg/controldata', ca, ...asOperator }, (r) => r.status !== 503, 15_000, 'the registered fingerprint');
  assert.equal(control.status, 200, control.body);
  const data = (JSON.parse(control.body) as { data: string }).data;
  assert.match(data, /Database system identifier:\s+\d+/);
  const wrong = await get('/pg/controldata', { cert: intruder.certPem, key: intruder.keyPem });
  assert.equal(wrong.status, 503);
  assert.equal(errorOf(wrong.body).message, 'operator certificate not recognized');
  // The partial WAL of a running, unfenced server is not final: refused (lifecycle-fencing.test.ts covers the rest).
  const partial = await get('/pg/archive/partial', { ...asOperator, method: 'POST' });
  assert.equal(partial.status, 400);
  assert.equal(errorOf(partial.body).code, 'NOT_FENCED');
  assert.equal((await get('/update', asOperator)).status, 405);
  assert.equal((await get('/update', { ...asOperator, method: 'PUT' })).status, 501);

  // Postgres down: a configuration error keeps it from starting again after a crash (restart policy).
  const pgData = join(h.stateDir, 'pgdata');
  const autoConf = join(pgData, 'postgresql.auto.conf');
  const original = readFileSync(autoConf, 'utf8');
  appendFileSync(autoConf, 'this line is not valid configuration\n');
  const pid = Number(readFileSync(join(pgData, 'postmaster.pid'), 'utf8').split('\n')[0]);
  process.kill(pid, 'SIGKILL');
  const down = await waitForStatus({ port, path: '/pg/status', ca }, (r) => r.status === 200 && (JSON.parse(r.body) as { mightBeUnavailable: boolean }).mightBeUnavailable, 10_000, '/pg/status while postgres is down');
  const downReady = await get('/readyz');
  const downLive = await get('/healthz');
  writeFileSync(autoConf, original);
  const masked = JSON.parse(down.body) as Record<string, unknown>;
  assert.deepEqual(checkFields(masked, { ...FIXTURE.status, ...OWN_STATUS_FIELDS }, 'masked status'), []);
  assert.equal(masked.isPrimary, true);
  assert.equal(masked.systemID, status.systemID, 'system identifier read from pg_control');
  assert.equal(typeof masked.mightBeUnavailableMaskedError, 'string');
  assert.equal(downReady.status, 500);
  assert.equal(downLive.status, 200, 'being restarted: still alive');
  await waitForStatus({ port, path: '/readyz', ca }, (r) => r.status === 200, 30_000, 'ready again after the repair');
});
