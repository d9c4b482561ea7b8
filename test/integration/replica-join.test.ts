// Replicas of the embedded default: a replica cloned from a running primary with `instance run` on an empty
// PGDATA (the join step: IDENTIFY_SYSTEM, pg_basebackup as streaming_replica with its certificate, override.conf
// and standby.signal), streaming through its HA slot; the status fields on both sides; an interrupted clone that
// leaves nothing usable; `instance join` over an existing PGDATA, which is moved aside; a client certificate the
// primary rejects. One primary with ~100 MB of data serves every test.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, cpSync, existsSync, readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { execFile, execFileSync } from 'node:child_process';
import { join } from 'node:path';
import pg from 'pg';
import { ownerConnection, PG_BIN, tempDir, type ManagerHandle } from '../helpers/manager.js';
import { managerEntry } from '../helpers/launch.js';
import { opensslForeignClient } from '../helpers/access-clients.js';
import { samples, scrape } from '../helpers/metrics-scrape.js';
import { statusRequest } from '../helpers/status-client.js';
import { waitUntil } from '../helpers/lifecycle-procs.js';
import { CLUSTER, pgStatus, portBase, replicaManifest, startInstance, writeStatus } from '../helpers/replica-pair.js';

const NAMES = [1, 2, 3, 4].map((n) => `${CLUSTER}-${n}`);
const MANIFEST = replicaManifest(4, 'probes:\n  readiness:\n    type: streaming\n    maximumLag: 64Mi');
let base = 0;
let primary: ManagerHandle;
const started: ManagerHandle[] = [];
const dirs: string[] = [];

async function ownerQuery<T extends pg.QueryResultRow>(h: ManagerHandle, sql: string): Promise<T[]> {
  const client = new pg.Client({ ...ownerConnection(primary, CLUSTER), port: h.port });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

const caOf = (): string => readFileSync(join(primary.stateDir, 'secrets', `${CLUSTER}-ca`, 'ca.crt'), 'utf8');

const replicaStatus = { currentPrimary: NAMES[0], targetPrimary: NAMES[0], instanceNames: NAMES };

async function startReplica(ordinal: number, extra: Partial<Parameters<typeof startInstance>[0]> = {}): Promise<ManagerHandle> {
  const h = await startInstance({ base, ordinal, manifestText: MANIFEST, status: replicaStatus, secretsFrom: primary.stateDir, ...extra });
  started.push(h);
  return h;
}

before(async () => {
  base = await portBase(4);
  primary = await startInstance({ base, ordinal: 1, manifestText: MANIFEST, status: { instanceNames: NAMES } });
  started.push(primary);
  await primary.waitForLine((l) => l.msg === 'instance ready', 90_000, 'primary ready');
  // ~100 MB, so a clone takes long enough to be interrupted and to show progress.
  await ownerQuery(primary, "CREATE TABLE filler AS SELECT g AS id, repeat('x', 900) AS pad FROM generate_series(1, 100000) g");
  await ownerQuery(primary, 'CREATE TABLE t (id int primary key, note text)');
});

after(async () => {
  await Promise.all(started.map((h) => h.stop()));
  for (const d of [...started.map((h) => h.dir), ...dirs]) rmSync(d, { recursive: true, force: true, maxRetries: 5 });
});

test('a replica clones the primary, streams through its HA slot, and both report it in /pg/status', async () => {
  const replica = await startReplica(2);
  const seenBasebackup = waitUntil(async () => {
    const s = await pgStatus(primary).catch(() => undefined);
    const rows = s?.pgStatBasebackupsInfo as { application_name: string; backup_total: number }[] | undefined;
    return rows?.find((r) => r.application_name === `${NAMES[1]}-join`);
  }, 60_000, 'the clone in the primary\'s pgStatBasebackupsInfo');
  await replica.waitForLine((l) => l.msg === 'replica cloned', 90_000, 'clone finished');
  assert.ok(await seenBasebackup);
  await replica.waitForLine((l) => l.msg === 'instance ready', 60_000, 'replica ready');
  // The total is the primary's estimate (its databases, the 100 MB filler included), logged as soon as it is known.
  const progress = replica.lines.filter((l) => l.msg === 'clone progress');
  assert.ok(progress.some((l) => typeof l.doneBytes === 'number' && typeof l.totalBytes === 'number' && l.totalBytes > 90e6 && Number(l.percent) <= 99), `progress is logged with bytes done/total: ${JSON.stringify(progress)}`);
  const pgdata = join(replica.stateDir, 'pgdata');
  assert.ok(existsSync(join(pgdata, 'standby.signal')));
  const override = readFileSync(join(pgdata, 'override.conf'), 'utf8');
  assert.match(override, /primary_slot_name = '_cnpg_r1_2'/);
  assert.match(override, /application_name=r1-2 sslmode=verify-ca/);
  await ownerQuery(primary, "INSERT INTO t SELECT g, 'row ' || g FROM generate_series(1, 50) g");
  await waitUntil(async () => ((await ownerQuery<{ n: string }>(replica, 'SELECT count(*) AS n FROM t').catch(() => []))[0]?.n === '50' ? true : undefined), 30_000, 'rows on the replica');
  const rs = await pgStatus(replica, primary);
  assert.equal(rs.isPrimary, false);
  assert.equal(rs.isWalReceiverActive, true);
  assert.equal(typeof rs.receivedLsn, 'string');
  assert.equal(typeof rs.replayLsn, 'string');
  assert.equal(rs.replayPaused, false);
  assert.equal(typeof rs.timeLineID, 'number');
  const ps = await waitUntil(async () => {
    const s = await pgStatus(primary);
    const info = s.replicationInfo as { applicationName: string; state: string }[] | undefined;
    return info?.some((r) => r.applicationName === NAMES[1] && r.state === 'streaming') ? s : undefined;
  }, 30_000, 'the replica in the primary\'s replicationInfo');
  const slots = ps.replicationSlotsInfo as { slotName: string; active: boolean }[];
  assert.deepEqual(slots.map((s) => s.slotName).sort(), ['_cnpg_r1_2', '_cnpg_r1_3', '_cnpg_r1_4']);
  assert.equal(slots.find((s) => s.slotName === '_cnpg_r1_2')?.active, true);
  // The streaming readiness probe passes on a replica that streams within maximumLag.
  assert.equal((await statusRequest({ port: replica.statusPort, path: '/readyz', ca: caOf() })).status, 200);
  // The default monitoring queries report the replica's side.
  const metrics = samples((await scrape(replica.metricsPort)).body);
  assert.equal(metrics.get('cnpg_pg_replication_in_recovery'), '1');
  assert.equal(metrics.get('cnpg_pg_replication_is_wal_receiver_up'), '1');
  // The replica made no primary claim in its status file.
  assert.equal((JSON.parse(readFileSync(join(replica.stateDir, 'status.json'), 'utf8')) as { currentPrimary?: string }).currentPrimary, NAMES[0]);
});

test('synchronous replication: a live edit renders synchronous_standby_names and the replica becomes a quorum standby', async () => {
  const text = MANIFEST + '  postgresql:\n    synchronous:\n      method: any\n      number: 1\n';
  writeFileSync(primary.manifestPath, text);
  await waitUntil(async () => {
    const rows = await ownerQuery<{ v: string }>(primary, 'SELECT current_setting(\'synchronous_standby_names\') AS v');
    return rows[0]?.v === 'ANY 1 ("r1-2","r1-3","r1-4","r1-1")' ? true : undefined;
  }, 30_000, 'synchronous_standby_names applied');
  await waitUntil(async () => {
    const info = (await pgStatus(primary)).replicationInfo as { applicationName: string; syncState: string }[] | undefined;
    return info?.some((r) => r.applicationName === NAMES[1] && r.syncState === 'quorum') ? true : undefined;
  }, 30_000, 'r1-2 a quorum standby');
  // A commit now waits for r1-2 and succeeds.
  await ownerQuery(primary, "INSERT INTO t VALUES (1000, 'synchronous')");
  writeFileSync(primary.manifestPath, MANIFEST);
});

// The manager patches its own status file after each reconcile (read, merge, write, unlocked): a write of ours
// landing inside that window is lost, as an operator's would be. So it is written again until its effect shows.
async function writeUntilSeen(dir: string, currentPrimary: string, seen: () => boolean, what: string): Promise<void> {
  await waitUntil(async () => {
    writeStatus(dir, { currentPrimary });
    return waitUntil(() => (seen() ? true : undefined), 3_000, what).catch(() => undefined);
  }, 30_000, what);
}

const tempsOf = (h: ManagerHandle): string[] => readdirSync(h.stateDir).filter((n) => n.startsWith('.pgdata.initdb-'));

test('a clone stopped mid pg_basebackup leaves no PGDATA, and the next start clones again', async () => {
  const first = await startReplica(3);
  await first.waitForLine((l) => l.msg === 'cloning the primary', 60_000, 'clone started');
  await waitUntil(() => (tempsOf(first).length > 0 ? true : undefined), 30_000, 'the temporary folder');
  const { code } = await first.stop();
  assert.equal(code, 0, 'a stop request is an ordinary stop');
  assert.ok(first.lines.some((l) => /clone was interrupted; nothing was kept/.test(String(l.msg ?? ''))), 'the interruption is named');
  assert.equal(existsSync(join(first.stateDir, 'pgdata')), false, 'no PGDATA that looks usable');
  assert.deepEqual(tempsOf(first), [], 'the partial copy is removed');
  const again = await startReplica(3, { dir: first.dir });
  await again.waitForLine((l) => l.msg === 'instance ready', 120_000, 'second start ready');
  assert.ok(existsSync(join(again.stateDir, 'pgdata', 'standby.signal')));
});

test('replicas keep copies of the primary\'s HA slots; a stale slot is dropped on the primary', async () => {
  const r2 = started.find((h) => h.port === base + 1 && h.proc.exitCode === null);
  assert.ok(r2, 'r1-2 from the first test still runs');
  // r1-3 streams now, so its slot on the primary reserves WAL and r1-2 copies it (1 s rounds).
  await waitUntil(async () => {
    const rows = await ownerQuery<{ slot_name: string }>(r2, 'SELECT slot_name FROM pg_replication_slots').catch(() => []);
    return rows.some((r) => r.slot_name === '_cnpg_r1_3') ? true : undefined;
  }, 30_000, 'r1-3\'s slot copied on r1-2');
  const onR2 = (await ownerQuery<{ slot_name: string }>(r2, 'SELECT slot_name FROM pg_replication_slots')).map((r) => r.slot_name);
  assert.ok(!onR2.includes('_cnpg_r1_2'), 'a replica never keeps a slot for itself');
  // r1-4 leaves the Cluster: its (never used) slot goes on the primary.
  writeStatus(primary.dir, { instanceNames: NAMES.slice(0, 3) });
  const slotsOf = async (): Promise<string[]> => ((await pgStatus(primary)).replicationSlotsInfo as { slotName: string }[]).map((x) => x.slotName).sort();
  await waitUntil(async () => ((await slotsOf()).includes('_cnpg_r1_4') ? undefined : true), 30_000, 'the stale slot dropped');
  assert.deepEqual(await slotsOf(), ['_cnpg_r1_2', '_cnpg_r1_3']);
});

test('a replica follows the status: a new primary name rewrites override.conf and is applied by reload', async () => {
  const r2 = started.find((h) => h.port === base + 1 && h.proc.exitCode === null);
  assert.ok(r2, 'r1-2 still runs');
  const override = join(r2.stateDir, 'pgdata', 'override.conf');
  const reloads = r2.lines.filter((l) => l.msg === 'configuration reloaded').length;
  // Point r1-2 at r1-3 (itself a replica: PostgreSQL cascades), then back at the primary.
  await writeUntilSeen(r2.dir, NAMES[2] ?? '', () => readFileSync(override, 'utf8').includes(`port=${base + 2} `), 'override.conf pointing at r1-3');
  await r2.waitForLine(() => r2.lines.filter((l) => l.msg === 'configuration reloaded').length > reloads, 30_000, 'the reload');
  // primary_conninfo is readable by superusers only: asked as postgres over the Unix socket (peer).
  const inForce = execFileSync('runuser', ['-u', 'postgres', '--', join(PG_BIN, 'psql'), '-X', '-h', join(r2.stateDir, 'controller', 'run'), '-p', String(r2.port), '-d', 'postgres', '-Atc', 'SHOW primary_conninfo'], { encoding: 'utf8' });
  assert.ok(inForce.includes(`port=${base + 2} `), `postgres runs with the new primary_conninfo: ${inForce}`);
  await writeUntilSeen(r2.dir, NAMES[0] ?? '', () => readFileSync(override, 'utf8').includes(`port=${base} `), 'override.conf back on r1-1');
});

test('`instance join` over an existing PGDATA moves it aside, never deletes it', async () => {
  const dir = tempDir('pgim-replica-');
  dirs.push(dir);
  writeStatus(dir, replicaStatus);
  writeFileSync(join(dir, 'cluster.yaml'), MANIFEST);
  const pgdata = join(dir, 'state', 'pgdata');
  mkdirSync(pgdata, { recursive: true, mode: 0o700 });
  writeFileSync(join(pgdata, 'PG_VERSION'), '15\n');
  writeFileSync(join(pgdata, 'precious'), 'keep me');
  execFileSync('chown', ['-R', 'postgres:postgres', join(dir, 'state')]);
  const args = [...managerEntry(), 'instance', 'join', '--cluster-manifest', join(dir, 'cluster.yaml'), '--state-dir', join(dir, 'state'), '--pod-name', NAMES[3] ?? '', '--peer-port-base', String(base), '--secrets-dir', join(primary.stateDir, 'secrets')];
  const out = await new Promise<{ code: number; stdout: string }>((resolve) => {
    execFile(process.execPath, args, { timeout: 120_000, env: { ...process.env, PGDATA: '' } }, (err, stdout) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout }));
  });
  assert.equal(out.code, 0, out.stdout.slice(-2000));
  const aside = readdirSync(join(dir, 'state')).filter((n) => /^pgdata_\d{14}$/.test(n));
  assert.equal(aside.length, 1, 'one folder set aside');
  assert.equal(readFileSync(join(dir, 'state', aside[0] ?? '', 'precious'), 'utf8'), 'keep me');
  assert.ok(existsSync(join(pgdata, 'standby.signal')) && existsSync(join(pgdata, 'global', 'pg_control')), 'a complete replica in its place');
  assert.match(readFileSync(join(pgdata, 'override.conf'), 'utf8'), /application_name=r1-4 /);
});

test('a replication certificate the primary rejects: a clear log line, retried, and no PGDATA', async () => {
  const dir = tempDir('pgim-replica-');
  const secrets = join(dir, 'secrets');
  cpSync(join(primary.stateDir, 'secrets'), secrets, { recursive: true });
  const foreign = await opensslForeignClient(join(dir, 'foreign'));
  cpSync(foreign.cert, join(secrets, `${CLUSTER}-replication`, 'tls.crt'));
  cpSync(foreign.key, join(secrets, `${CLUSTER}-replication`, 'tls.key'));
  execFileSync('chown', ['-R', 'postgres:postgres', secrets]);
  const replica = await startReplica(4, { dir, secretsDir: secrets, secretsFrom: undefined });
  const line = await replica.waitForLine((l) => /cannot open a replication connection to r1-1/.test(String(l.msg ?? '')), 60_000, 'the refusal');
  assert.match(String(line.msg), /the primary rejected our streaming_replica certificate .*retrying until it works/);
  assert.equal(replica.proc.exitCode, null, 'still waiting, not exited');
  assert.equal(existsSync(join(replica.stateDir, 'pgdata')), false);
  assert.deepEqual(tempsOf(replica), []);
});
