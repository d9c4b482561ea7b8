// Replica clusters and clones of an external cluster, with two kinds of managers on loopback: a source Cluster
// (`src1`, initdb) and Clusters whose externalClusters point at it. `rc1` is a replica cluster bootstrapped by
// pg_basebackup over TLS with the source's streaming_replica certificate: its designated primary streams rows
// written on the source, with recovery_min_apply_delay in force, and is promoted (writable) once
// spec.replica.enabled turns false. `cl1` clones the source by pg_basebackup as postgres with a password Secret
// (a new primary cluster): first pointed at a port nobody listens on, which is reported in the log and the
// status while the manager keeps retrying with no PGDATA, then at the right one.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import pg from 'pg';
import { freePort, manifest, ownerConnection, secretValue, startManager, tempDir, type ManagerHandle } from '../helpers/manager.js';
import { waitUntil } from '../helpers/lifecycle-procs.js';

const started: ManagerHandle[] = [];
let source: ManagerHandle;

function writeSecret(stateDir: string, name: string, data: Record<string, string>): void {
  const dir = join(stateDir, 'secrets', name);
  mkdirSync(dir, { recursive: true });
  for (const [k, v] of Object.entries(data)) writeFileSync(join(dir, k), v);
}

/** Copies some of the source's Secrets into a new state folder (as a user copies them into another namespace). */
function withSourceSecrets(names: string[]): string {
  const dir = tempDir('pgim-rc-');
  for (const name of names) cpSync(join(source.stateDir, 'secrets', name), join(dir, 'state', 'secrets', name), { recursive: true });
  // Copied by root: handed to the user the manager runs postgres as, as the source's own were.
  execFileSync('chown', ['-R', 'postgres:postgres', join(dir, 'state')]);
  return dir;
}

/**
 * A client of `h` trusting its CA, as the application owner: with the source's password while `h` is a standby
 * of it (the roles come through WAL), with its own Cluster's once it is a primary (its manager applies them).
 */
async function query<T extends pg.QueryResultRow>(h: ManagerHandle, cluster: string, sql: string, own = cluster === 'src1'): Promise<T[]> {
  const creds = ownerConnection(own ? h : source, own ? cluster : 'src1');
  const client = new pg.Client({ ...creds, port: h.port, ssl: { ca: secretValue(h.stateDir, `${cluster}-ca`, 'ca.crt'), servername: 'localhost' } });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

function status(h: ManagerHandle): Record<string, unknown> {
  return JSON.parse(readFileSync(join(h.stateDir, 'status.json'), 'utf8')) as Record<string, unknown>;
}

const TLS_EXTERNAL = (port: number): string => `externalClusters:
- name: src1
  connectionParameters:
    host: localhost
    port: "${port}"
    user: streaming_replica
    sslmode: verify-full
    dbname: postgres
  sslKey:
    name: src1-replication
    key: tls.key
  sslCert:
    name: src1-replication
    key: tls.crt
  sslRootCert:
    name: src1-ca
    key: ca.crt`;

const replicaManifest = (port: number, enabled: boolean): string =>
  manifest('rc1', `bootstrap:\n  pg_basebackup:\n    source: src1\nreplica:\n  enabled: ${enabled}\n  source: src1\n${enabled ? '  minApplyDelay: 2s\n' : ''}${TLS_EXTERNAL(port)}`);

const cloneManifest = (port: number): string =>
  manifest('cl1', `bootstrap:
  pg_basebackup:
    source: src1
externalClusters:
- name: src1
  connectionParameters:
    host: localhost
    port: "${port}"
    user: postgres
    dbname: postgres
  password:
    name: src1-superuser
    key: password`);

before(async () => {
  const dir = tempDir('pgim-src-');
  // The superuser's password, for the basic-auth clone (CNPG's sample: "host replication postgres all md5").
  writeSecret(join(dir, 'state'), 'src1-superuser', { username: 'postgres', password: randomBytes(12).toString('hex') });
  source = await startManager({
    dir,
    manifestText: manifest('src1', 'enableSuperuserAccess: true\npostgresql:\n  pg_hba:\n  - hostssl replication postgres 127.0.0.1/32 scram-sha-256'),
  });
  started.push(source);
  await source.waitForLine((l) => l.msg === 'instance ready', 60_000, 'source ready');
  await query(source, 'src1', 'CREATE TABLE t (id int primary key, at timestamptz default now())');
  await query(source, 'src1', 'INSERT INTO t (id) SELECT generate_series(1, 100)');
});

after(async () => {
  if (process.env.PGIM_TEST_DUMP) for (const h of started) writeFileSync(join(process.env.PGIM_TEST_DUMP, `${h.port}.json`), h.lines.map((l) => JSON.stringify(l)).join('\n'));
  await Promise.all(started.map((h) => h.stop()));
  for (const h of started) rmSync(h.dir, { recursive: true, force: true, maxRetries: 5 });
});

test('a replica cluster cloned over TLS follows the source with its apply delay, then is promoted by replica.enabled=false', async () => {
  const dir = withSourceSecrets(['src1-replication', 'src1-ca']);
  const rc = await startManager({ dir, manifestText: replicaManifest(source.port, true) });
  started.push(rc);
  await rc.waitForLine((l) => l.msg === 'instance ready', 60_000, 'replica cluster ready');
  // The designated primary: a standby of the source, reported as the replica cluster's current primary.
  assert.deepEqual(await query(rc, 'rc1', 'SELECT pg_is_in_recovery() AS r, count(*)::int AS n FROM t'), [{ r: true, n: 100 }]);
  assert.deepEqual(await query(rc, 'rc1', 'SHOW recovery_min_apply_delay'), [{ recovery_min_apply_delay: '2s' }]);
  await waitUntil(() => status(rc).currentPrimary === 'rc1-1', 10_000, 'currentPrimary = rc1-1');
  const override = readFileSync(join(rc.stateDir, 'pgdata', 'override.conf'), 'utf8');
  assert.match(override, /primary_conninfo = '.*sslcert=.*external\/src1\/src1-replication_tls\.crt.*user=streaming_replica/);
  assert.doesNotMatch(override, /primary_slot_name/, 'the designated primary streams without a slot');
  // A row written on the source is applied only after the delay (recovery_min_apply_delay counts from its commit).
  const written = Date.now();
  await query(source, 'src1', 'INSERT INTO t (id) VALUES (101)');
  await waitUntil(async () => (await query<{ n: number }>(rc, 'rc1', 'SELECT count(*)::int AS n FROM t WHERE id = 101'))[0]?.n === 1, 20_000, 'row 101 on the replica cluster');
  const appliedAfter = Date.now() - written;
  assert.ok(appliedAfter >= 1800, `row applied after ${appliedAfter} ms, before the 2 s delay`);
  await assert.rejects(query(rc, 'rc1', 'INSERT INTO t (id) VALUES (102)'), /read-only transaction/);

  // Replica mode off: the designated primary is promoted and takes writes; the source is untouched.
  writeFileSync(rc.manifestPath, replicaManifest(source.port, false));
  await rc.waitForLine((l) => l.msg === 'promoted: this instance is the primary', 30_000, 'promotion');
  await waitUntil(async () => (await query(rc, 'rc1', 'INSERT INTO t (id) VALUES (102)', true), true), 10_000, 'a write on the promoted cluster (with its own owner password, applied once primary)', 200);
  assert.deepEqual(await query(rc, 'rc1', 'SELECT pg_is_in_recovery() AS r, count(*)::int AS n FROM t', true), [{ r: false, n: 102 }]);
  assert.deepEqual(await query(rc, 'rc1', 'SHOW recovery_min_apply_delay', true), [{ recovery_min_apply_delay: '0' }]);
  assert.deepEqual(await query(source, 'src1', 'SELECT count(*)::int AS n FROM t'), [{ n: 101 }]);
});

test('a clone with a password waits for an unreachable source (log, status, no PGDATA), then clones it as a new primary', async () => {
  const dir = withSourceSecrets(['src1-superuser']);
  const closed = await freePort();
  const cl = await startManager({ dir, manifestText: cloneManifest(closed) });
  started.push(cl);
  const line = await cl.waitForLine((l) => l.msg?.startsWith('cannot clone the external cluster') === true, 30_000, 'clone failure logged');
  assert.match(String(line.err), /pg_basebackup failed \(exit code 1\).*accepting TCP\/IP connections/);
  await waitUntil(() => {
    const reason = status(cl).phaseReason;
    return typeof reason === 'string' && reason.includes('cannot clone spec.bootstrap.pg_basebackup.source');
  }, 10_000, 'phaseReason');
  assert.equal(existsSync(join(cl.stateDir, 'pgdata', 'PG_VERSION')), false, 'no PGDATA from a failed clone');
  assert.equal(cl.proc.exitCode, null, 'the manager keeps retrying');
  assert.ok(!JSON.stringify(cl.lines).includes(secretValue(source.stateDir, 'src1-superuser', 'password')), 'the password is never logged');

  // The source's address fixed in the manifest: the next attempt clones it.
  writeFileSync(cl.manifestPath, cloneManifest(source.port));
  await cl.waitForLine((l) => l.msg === 'instance ready', 60_000, 'clone ready');
  assert.equal(status(cl).phaseReason ?? null, null, 'the failure reason is cleared');
  const [source0] = await query<{ id: string }>(source, 'src1', 'SELECT system_identifier::text AS id FROM pg_control_system()');
  // A new primary cluster: its own owner password (cl1-app) is in force.
  const [clone0] = await query<{ id: string }>(cl, 'cl1', 'SELECT system_identifier::text AS id FROM pg_control_system()', true);
  assert.equal(clone0?.id, source0?.id, 'a physical copy of the source');
  await query(cl, 'cl1', 'INSERT INTO t (id) VALUES (1000)', true);
  assert.deepEqual(await query(cl, 'cl1', 'SELECT pg_is_in_recovery() AS r, count(*)::int >= 101 AS all FROM t', true), [{ r: false, all: true }]);
});
