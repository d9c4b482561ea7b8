// Replica clusters and clones of an external cluster, with two kinds of managers on loopback: a source Cluster
// (`src1`, initdb) and Clusters whose externalClusters point at it. `rc1` is a replica cluster bootstrapped by
// pg_basebackup over TLS with the source's streaming_replica certificate: its designated primary streams rows
// written on the source, with recovery_min_apply_delay in force, and archives the WAL it receives into its own
// store (archive_mode = always; s3rver), first refusing a store with a wrong key. `cl1` clones the source by
// pg_basebackup as postgres with a password Secret (a new primary cluster): first pointed at a port nobody
// listens on, which is reported in the log and the status while the manager keeps retrying with no PGDATA, then
// at the right one. Last, CNPG's demotion/promotion round trip: src1 switched into replica mode reports
// status.demotionToken and follows rc1; rc1 refuses a token of another system, then is promoted with src1's
// token, and src1 replays rc1's writes. Also `instance pgbasebackup`, the operator's clone Job, run on its own.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import pg from 'pg';
import { freePort, manifest, ownerConnection, secretValue, startManager, tempDir, type ManagerHandle } from '../helpers/manager.js';
import { waitUntil } from '../helpers/lifecycle-procs.js';
import { S3_KEY, startS3Server, type S3Server } from '../helpers/s3-server.js';
import { archivingCondition, barmanRestore, readySocketDir, superSql } from '../helpers/wal-archive-env.js';
import { runManagerCommand } from '../helpers/lifecycle-writer.js';

const started: ManagerHandle[] = [];
let source: ManagerHandle;
let s3: S3Server;
/** The replica cluster of the first test; the round trip promotes it. */
let rc: ManagerHandle;

function writeSecret(stateDir: string, name: string, data: Record<string, string>): void {
  const dir = join(stateDir, 'secrets', name);
  mkdirSync(dir, { recursive: true });
  for (const [k, v] of Object.entries(data)) writeFileSync(join(dir, k), v);
}

/** Copies Secrets of `from` into the state folder `stateDir` (as a user copies them into another namespace). */
function copySecrets(from: ManagerHandle, stateDir: string, names: string[]): void {
  for (const name of names) cpSync(join(from.stateDir, 'secrets', name), join(stateDir, 'secrets', name), { recursive: true });
  // Copied by root: handed to the user the manager runs postgres as, as the source's own were.
  execFileSync('chown', ['-R', 'postgres:postgres', stateDir]);
}

/** A new state folder with some of the source's Secrets. */
function withSourceSecrets(names: string[]): string {
  const dir = tempDir('pgim-rc-');
  mkdirSync(join(dir, 'state', 'secrets'), { recursive: true });
  copySecrets(source, join(dir, 'state'), names);
  return dir;
}

/**
 * A client of `h` trusting its CA, as the application owner: with the source's password while `h` is a standby
 * of it (the roles come through WAL), with its own Cluster's once it is a primary (its manager applies them).
 */
async function query<T extends pg.QueryResultRow>(h: ManagerHandle, cluster: string, sql: string, own = cluster === 'src1', credsOf?: ManagerHandle): Promise<T[]> {
  // credsOf: the primary cluster whose owner password `h` has through WAL (rc1's, on a demoted src1).
  const creds = credsOf ? ownerConnection(credsOf, credsOf === rc ? 'rc1' : 'src1') : ownerConnection(own ? h : source, own ? cluster : 'src1');
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

/** An externalClusters entry streaming from `name` on `port` with its streaming_replica certificate. */
const TLS_EXTERNAL = (name: string, port: number): string => `externalClusters:
- name: ${name}
  connectionParameters:
    host: localhost
    port: "${port}"
    user: streaming_replica
    sslmode: verify-full
    dbname: postgres
  sslKey:
    name: ${name}-replication
    key: tls.key
  sslCert:
    name: ${name}-replication
    key: tls.crt
  sslRootCert:
    name: ${name}-ca
    key: ca.crt`;

/** rc1's own object store (s3://backups/rc1), its keys in Secret `secret`. */
const OWN_STORE = (secret: string): string => `backup:
  barmanObjectStore:
    destinationPath: s3://backups/rc1
    endpointURL: ${s3.endpoint}
    s3Credentials:
      accessKeyId: { name: ${secret}, key: ACCESS_KEY_ID }
      secretAccessKey: { name: ${secret}, key: ACCESS_SECRET_KEY }`;

/** rc1: a replica cluster with a 2 s apply delay, or (replica mode off) a primary cluster promoted with `token`. */
const replicaManifest = (port: number, o: { enabled: boolean; storeSecret: string; token?: string }): string =>
  manifest('rc1', `bootstrap:
  pg_basebackup:
    source: src1
replica:
  enabled: ${o.enabled}
  source: src1
${o.enabled ? '  minApplyDelay: 2s\n' : ''}${o.token ? `  promotionToken: ${o.token}\n` : ''}${OWN_STORE(o.storeSecret)}
${TLS_EXTERNAL('src1', port)}`);

const SOURCE_SPEC = 'enableSuperuserAccess: true\npostgresql:\n  pg_hba:\n  - hostssl replication postgres 127.0.0.1/32 scram-sha-256';

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
  s3 = await startS3Server();
  source = await startManager({ dir, manifestText: manifest('src1', SOURCE_SPEC) });
  started.push(source);
  await source.waitForLine((l) => l.msg === 'instance ready', 60_000, 'source ready');
  await query(source, 'src1', 'CREATE TABLE t (id int primary key, at timestamptz default now())');
  await query(source, 'src1', 'INSERT INTO t (id) SELECT generate_series(1, 100)');
});

after(async () => {
  if (process.env.PGIM_TEST_DUMP) for (const h of started) writeFileSync(join(process.env.PGIM_TEST_DUMP, `${h.port}.json`), h.lines.map((l) => JSON.stringify(l)).join('\n'));
  await Promise.all(started.map((h) => h.stop()));
  await s3?.stop();
  for (const h of started) rmSync(h.dir, { recursive: true, force: true, maxRetries: 5 });
});

test('a replica cluster cloned over TLS follows the source with its apply delay and archives what it receives into its own store', async () => {
  const dir = withSourceSecrets(['src1-replication', 'src1-ca']);
  // Two keys for its own store: a wrong one first (refused, the instance keeps following), then s3rver's.
  writeSecret(join(dir, 'state'), 'rc1-wrong-key', { ACCESS_KEY_ID: 'NOT-A-KEY', ACCESS_SECRET_KEY: S3_KEY });
  writeSecret(join(dir, 'state'), 'rc1-store', { ACCESS_KEY_ID: S3_KEY, ACCESS_SECRET_KEY: S3_KEY });
  execFileSync('chown', ['-R', 'postgres:postgres', join(dir, 'state')]);
  rc = await startManager({ dir, manifestText: replicaManifest(source.port, { enabled: true, storeSecret: 'rc1-wrong-key' }) });
  started.push(rc);
  await rc.waitForLine((l) => l.msg === 'instance ready', 60_000, 'replica cluster ready');
  // The designated primary: a standby of the source, reported as the replica cluster's current primary.
  assert.deepEqual(await query(rc, 'rc1', 'SELECT pg_is_in_recovery() AS r, count(*)::int AS n FROM t'), [{ r: true, n: 100 }]);
  assert.deepEqual(await query(rc, 'rc1', 'SHOW recovery_min_apply_delay'), [{ recovery_min_apply_delay: '2s' }]);
  assert.deepEqual(await query(rc, 'rc1', 'SHOW archive_mode'), [{ archive_mode: 'always' }]);
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

  // A segment received from the source is archived by the designated primary: first refused (the wrong key fails
  // the empty-archive check), the instance still streaming; then, with the right Secret, into s3://backups/rc1.
  const socketDir = await readySocketDir(source);
  const switchWal = (): string => superSql(source, socketDir, 'CREATE TABLE IF NOT EXISTS filler (x int); INSERT INTO filler VALUES (1); SELECT pg_walfile_name(pg_switch_wal())');
  switchWal();
  await waitUntil(() => (/access denied: check the s3Credentials Secret/.test(archivingCondition(rc)?.message ?? '') ? true : undefined), 20_000, 'ContinuousArchiving False (access denied) on the designated primary');
  assert.equal(archivingCondition(rc)?.status, 'False');
  assert.ok(rc.lines.some((l) => l.msg === 'continuous archiving is failing' && /access denied/.test(String(l.error))), 'the refusal is in the log');
  assert.deepEqual(await query(rc, 'rc1', 'SELECT pg_is_in_recovery() AS r'), [{ r: true }]);
  writeFileSync(rc.manifestPath, replicaManifest(source.port, { enabled: true, storeSecret: 'rc1-store' }));
  // PostgreSQL's archiver waits after three failures; the next segment received wakes it.
  const closed = await waitUntil(() => {
    const name = switchWal();
    return archivingCondition(rc)?.status === 'True' ? name : undefined;
  }, 30_000, 'ContinuousArchiving True on the designated primary', 1000);
  const [archived] = await query<{ wal: string }>(rc, 'rc1', 'SELECT last_archived_wal AS wal FROM pg_stat_archiver');
  assert.ok(archived?.wal !== undefined && archived.wal <= closed, `archived ${String(archived?.wal)}`);
  assert.equal(await barmanRestore(s3, join(rc.dir, 'restored-wal'), 'rc1', 'rc1', archived.wal), 0, 'the received WAL is in the replica cluster\'s own store');
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

test('instance pgbasebackup clones the source into PGDATA and exits (the operator\'s Job); again, it has nothing to do; without pg_basebackup it is refused', async () => {
  const dir = withSourceSecrets(['src1-superuser']);
  try {
    writeFileSync(join(dir, 'cluster.yaml'), cloneManifest(source.port));
    const port = await freePort();
    const first = await runManagerCommand(['instance', 'pgbasebackup'], { dir, port }, 120_000);
    assert.equal(first.code, 0, first.stderr);
    assert.ok(first.lines.some((l) => l.msg === 'PGDATA cloned from spec.bootstrap.pg_basebackup.source'));
    assert.ok(existsSync(join(dir, 'state', 'pgdata', 'PG_VERSION')), 'a complete PGDATA');
    assert.equal(existsSync(join(dir, 'state', 'pgdata', 'postmaster.pid')), false, 'nothing left running');
    const again = await runManagerCommand(['instance', 'pgbasebackup'], { dir, port });
    assert.equal(again.code, 0, again.stderr);
    assert.ok(again.lines.some((l) => l.msg === 'PGDATA already initialised: nothing to clone'));
    writeFileSync(join(dir, 'cluster.yaml'), manifest('cl1'));
    const refused = await runManagerCommand(['instance', 'pgbasebackup'], { dir, port });
    assert.equal(refused.code, 2);
    assert.match(JSON.stringify(refused.lines) + refused.stderr, /spec\.bootstrap\.pg_basebackup is not set/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('demotion and promotion round trip: the demoted source reports its token, the replica cluster is promoted with it (not with another system\'s)', async () => {
  // src1 follows rc1 once demoted: rc1's streaming_replica certificate and CA, copied into src1's Secrets.
  copySecrets(rc, source.stateDir, ['rc1-replication', 'rc1-ca']);
  writeFileSync(source.manifestPath, manifest('src1', `${SOURCE_SPEC}\nreplica:\n  enabled: true\n  source: rc1\n${TLS_EXTERNAL('rc1', rc.port)}`));
  await source.waitForLine((l) => l.msg === 'demotion token reported in status.demotionToken', 30_000, 'demotion token');
  await source.waitForLine((l) => l.msg === 'former primary prepared: starting postgres as a replica', 30_000, 'src1 back as a standby');
  const token = status(source).demotionToken;
  assert.equal(typeof token, 'string');
  const content = JSON.parse(Buffer.from(String(token), 'base64').toString('utf8')) as Record<string, string>;
  const [sys] = await query<{ id: string }>(rc, 'rc1', 'SELECT system_identifier::text AS id FROM pg_control_system()');
  assert.equal(content.databaseSystemIdentifier, sys?.id, 'the token names the shared system');
  await waitUntil(async () => (await query<{ r: boolean }>(source, 'src1', 'SELECT pg_is_in_recovery() AS r'))[0]?.r === true, 20_000, 'src1 in recovery');

  // A token of another system: refused (log and phase), rc1 keeps following, nothing promoted.
  const foreign = Buffer.from(JSON.stringify({ ...content, databaseSystemIdentifier: '1' })).toString('base64');
  writeFileSync(rc.manifestPath, replicaManifest(source.port, { enabled: false, storeSecret: 'rc1-store', token: foreign }));
  await rc.waitForLine((l) => l.msg === 'promotion token does not match this instance: not promoting (fix spec.replica.promotionToken)', 20_000, 'foreign token refused');
  await waitUntil(() => status(rc).phase === 'Cluster is unrecoverable and needs manual intervention', 10_000, 'unrecoverable phase');
  assert.match(String(status(rc).phaseReason), /system/);
  assert.deepEqual(await query(rc, 'rc1', 'SELECT pg_is_in_recovery() AS r'), [{ r: true }]);

  // src1's token: rc1 has replayed up to src1's last checkpoint, so it is promoted and takes writes.
  writeFileSync(rc.manifestPath, replicaManifest(source.port, { enabled: false, storeSecret: 'rc1-store', token: String(token) }));
  await rc.waitForLine((l) => l.msg === 'promoted: this instance is the primary', 30_000, 'promotion');
  await waitUntil(() => status(rc).lastPromotionToken === token, 10_000, 'status.lastPromotionToken');
  await waitUntil(async () => (await query(rc, 'rc1', 'INSERT INTO t (id) VALUES (100000)', true), true), 10_000, 'a write on the promoted cluster (with its own owner password, applied once primary)', 200);
  assert.deepEqual(await query(rc, 'rc1', 'SHOW recovery_min_apply_delay', true), [{ recovery_min_apply_delay: '0' }]);
  // The demoted source follows the new primary cluster on its new timeline, without a rewind.
  await waitUntil(async () => (await query<{ n: number }>(source, 'src1', 'SELECT count(*)::int AS n FROM t WHERE id = 100000', true, rc))[0]?.n === 1, 20_000, 'rc1\'s row on src1');
  assert.ok(!source.lines.some((l) => l.msg === 'former primary: rewinding from the new primary'), 'no pg_rewind');
});
