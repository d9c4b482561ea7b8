// A replica cluster bootstrapped from an object store (cluster-replica-async.yaml's shape): the source archives
// WAL and takes a backup into the embedded S3 store (real s3rver, real barman-cloud); the replica cluster restores
// that backup with spec.bootstrap.recovery, does not promote, and its designated primary keeps replaying the
// source's archived WAL through restore_command (`wal-restore`, served from the source's store), archiving it
// again into its own store (archive_mode = always). Then the source's entry gains connectionParameters (first
// naming a Secret that does not exist: refused, nothing changed): override.conf has both primary_conninfo and
// restore_command, and at the end of the archived WAL PostgreSQL streams from the source. Last, CNPG's demotion
// and promotion round trip over the object store alone: the source, switched into replica mode, archives its
// last unfinished segment (its shutdown checkpoint) as .partial before it reports its demotion token; the replica
// cluster replays it, is promoted with the token, and the demoted source follows it through its store.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, manifest, startManager, tempDir, type ManagerHandle } from '../helpers/manager.js';
import { cleanupDir, waitUntil } from '../helpers/lifecycle-procs.js';
import { idsIn, ownerQuery, runManagerCommand } from '../helpers/lifecycle-writer.js';
import { backupEnded, backupManifest } from '../helpers/backup-stack.js';
import { archivingCondition, readySocketDir, superSql } from '../helpers/wal-archive-env.js';

const handles: ManagerHandle[] = [];
after(async () => {
  for (const h of handles) await h.stop(20_000);
  for (const h of handles) await cleanupDir(h.dir);
});

// The source's streaming entry: its streaming_replica certificate and CA, copied as origin-replication / origin-ca.
const STREAMING = (originPort: number, certSecret: string): string => `  connectionParameters:
    host: localhost
    port: "${originPort}"
    user: streaming_replica
    sslmode: verify-full
    dbname: postgres
  sslKey: { name: origin-replication, key: tls.key }
  sslCert: { name: ${certSecret}, key: tls.crt }
  sslRootCert: { name: origin-ca, key: ca.crt }
`;

// `mode`: the replica stanza's other lines (enabled, promotionToken).
const replicaManifest = (storePort: number, streaming = '', mode = 'enabled: true'): string =>
  manifest('t1', `bootstrap:
  recovery:
    source: origin
replica:
  ${mode}
  source: origin
backup:
  barmanObjectStore:
    destinationPath: s3://backups/replica
    endpointURL: http://127.0.0.1:${storePort}
    serverName: replica
    s3Credentials:
      accessKeyId: { name: origin-objectstore, key: ACCESS_KEY_ID }
      secretAccessKey: { name: origin-objectstore, key: ACCESS_SECRET_KEY }
externalClusters:
- name: origin
${streaming}  barmanObjectStore:
    destinationPath: s3://backups/origin
    endpointURL: http://127.0.0.1:${storePort}
    serverName: origin
    s3Credentials:
      accessKeyId: { name: origin-objectstore, key: ACCESS_KEY_ID }
      secretAccessKey: { name: origin-objectstore, key: ACCESS_SECRET_KEY }`);

// The two clusters of the first test; the second one switches their roles over the object store alone.
let storePort: number;
let origin: ManagerHandle;
let replica: ManagerHandle;

test('a replica cluster restored from the source\'s backup stays a standby and replays its archived WAL', async () => {
  storePort = await freePort();
  origin = await startManager({ dir: tempDir('pgim-rc-origin-'), manifestText: backupManifest('t1', storePort, 'origin') });
  handles.push(origin);
  await origin.waitForLine((l) => l.msg === 'instance ready', 90_000, 'origin ready');
  await ownerQuery(origin, 'CREATE TABLE t (id int PRIMARY KEY)');
  await ownerQuery(origin, 'INSERT INTO t SELECT generate_series(1, 50)');
  const backup = await runManagerCommand(['backup', 'first'], origin, 120_000);
  assert.equal(backup.code, 0, backup.stderr);
  const done = await backupEnded(origin.stateDir, 'first');
  assert.equal(done.phase, 'completed', JSON.stringify(done));

  // The replica cluster's state folder: the store key as the Secret its externalClusters entry names, and the
  // source's owner Secret (the restored roles are the source's).
  const dir = tempDir('pgim-rc-replica-');
  const secrets = join(dir, 'state', 'secrets');
  mkdirSync(join(secrets, 'origin-objectstore'), { recursive: true });
  for (const key of ['ACCESS_KEY_ID', 'ACCESS_SECRET_KEY']) writeFileSync(join(secrets, 'origin-objectstore', key), readFileSync(join(origin.stateDir, 'secrets', 't1-objectstore', key)));
  cpSync(join(origin.stateDir, 'secrets', 't1-app'), join(secrets, 't1-app'), { recursive: true });
  cpSync(join(origin.stateDir, 'secrets', 't1-replication'), join(secrets, 'origin-replication'), { recursive: true });
  cpSync(join(origin.stateDir, 'secrets', 't1-ca'), join(secrets, 'origin-ca'), { recursive: true });
  execFileSync('chown', ['-R', 'postgres:postgres', join(dir, 'state')]);
  replica = await startManager({ dir, manifestText: replicaManifest(storePort) });
  handles.push(replica);
  await replica.waitForLine((l) => l.msg === 'instance ready', 120_000, 'replica cluster ready');
  assert.ok(replica.lines.some((l) => l.msg === 'backup restored for a replica cluster: starting as a standby of the source'));
  assert.ok(!replica.lines.some((l) => l.msg === 'recovery finished: postgres promoted'), 'a replica cluster never promotes after its restore');
  assert.deepEqual((await ownerQuery<{ r: boolean }>(replica, 'SELECT pg_is_in_recovery() AS r')).rows, [{ r: true }]);
  const override = readFileSync(join(replica.stateDir, 'pgdata', 'override.conf'), 'utf8');
  assert.match(override, /restore_command = '.*wal-restore/);
  assert.doesNotMatch(override, /primary_conninfo/, 'the source has no connectionParameters: WAL comes from its store only');

  // Rows written on the source after the backup arrive through the archive.
  await ownerQuery(origin, 'INSERT INTO t SELECT generate_series(51, 60)');
  // The owner may not call pg_switch_wal(): a segment's worth of other WAL pushes the last commits out.
  await ownerQuery(origin, "CREATE TABLE filler AS SELECT repeat('x', 1000) AS pad FROM generate_series(1, 20000)");
  await waitUntil(async () => (await idsIn(replica, 't')).size === 60 || undefined, 90_000, 'rows 51-60 replayed from the archive', 500);

  // What it replayed, it archived again into its own store (after checking that store was empty).
  assert.deepEqual((await ownerQuery<{ m: string }>(replica, "SELECT current_setting('archive_mode') AS m")).rows, [{ m: 'always' }]);
  const archived = await waitUntil(async () => (await ownerQuery<{ wal: string | null }>(replica, 'SELECT last_archived_wal AS wal FROM pg_stat_archiver')).rows[0]?.wal ?? undefined, 30_000, 'a WAL archived by the designated primary', 500);
  assert.equal(archivingCondition(replica)?.status, 'True');
  const key = (k: string): string => readFileSync(join(origin.stateDir, 'secrets', 't1-objectstore', k), 'utf8');
  const restore = spawnSync('barman-cloud-wal-restore', ['--endpoint-url', `http://127.0.0.1:${storePort}`, '--cloud-provider', 'aws-s3', 's3://backups/replica', 'replica', archived, join(replica.dir, 'restored-wal')], {
    env: { ...process.env, AWS_ACCESS_KEY_ID: key('ACCESS_KEY_ID'), AWS_SECRET_ACCESS_KEY: key('ACCESS_SECRET_KEY'), AWS_DEFAULT_REGION: 'us-east-1' },
    encoding: 'utf8',
  });
  assert.equal(restore.status, 0, `the WAL is in the replica cluster's own store: ${restore.stderr}`);

  // connectionParameters naming a Secret that does not exist: refused with its name, nothing changed.
  writeFileSync(replica.manifestPath, replicaManifest(storePort, STREAMING(origin.port, 'origin-nope')));
  const refused = await replica.waitForLine((l) => l.msg === 'reconcile failed; the previous configuration stays in force', 20_000, 'reconcile refused');
  assert.match(String(refused.err), /origin-nope/);
  assert.doesNotMatch(readFileSync(join(replica.stateDir, 'pgdata', 'override.conf'), 'utf8'), /primary_conninfo/);
  // Fixed: both settings, and once the archived WAL ends PostgreSQL streams from the source.
  writeFileSync(replica.manifestPath, replicaManifest(storePort, STREAMING(origin.port, 'origin-replication')));
  await waitUntil(() => /primary_conninfo = /.test(readFileSync(join(replica.stateDir, 'pgdata', 'override.conf'), 'utf8')) || undefined, 20_000, 'primary_conninfo written');
  assert.match(readFileSync(join(replica.stateDir, 'pgdata', 'override.conf'), 'utf8'), /restore_command = '.*wal-restore/);
  // pg_stat_wal_receiver's details are for superusers (pg_read_all_stats): read over the local socket.
  const socketDir = await readySocketDir(replica);
  await waitUntil(() => superSql(replica, socketDir, 'SELECT status FROM pg_stat_wal_receiver') === 'streaming' || undefined, 30_000, 'streaming from the source', 500);
  await ownerQuery(origin, 'INSERT INTO t VALUES (61)');
  await waitUntil(async () => (await idsIn(replica, 't')).has(61) || undefined, 15_000, 'row 61 streamed (no segment switch)', 200);
});

test('demotion and promotion over the object store alone: the demoted source archives its last WAL as .partial, the replica cluster replays it and is promoted with the token', async () => {
  // Back to the store alone: no streaming from the source.
  writeFileSync(replica.manifestPath, replicaManifest(storePort));
  await waitUntil(() => !/primary_conninfo = /.test(readFileSync(join(replica.stateDir, 'pgdata', 'override.conf'), 'utf8')) || undefined, 20_000, 'primary_conninfo removed');
  const originSocket = await readySocketDir(origin);
  await waitUntil(() => superSql(origin, originSocket, 'SELECT count(*) FROM pg_stat_replication') === '0' || undefined, 20_000, 'no walsender on the source any more');
  // A fast stop with archiving on switches to a new segment first (PostgreSQL's ShutdownXLOG): row 70's segment
  // is archived as usual, and the shutdown checkpoint the token names is alone in a segment nobody finishes.
  await ownerQuery(origin, 'INSERT INTO t VALUES (70)');
  const status = (h: ManagerHandle): Record<string, unknown> => JSON.parse(readFileSync(join(h.stateDir, 'status.json'), 'utf8')) as Record<string, unknown>;
  const storeOf = (name: string): string => `  barmanObjectStore:
    destinationPath: s3://backups/${name}
    endpointURL: http://127.0.0.1:${storePort}
    serverName: ${name}
    s3Credentials:
      accessKeyId: { name: t1-objectstore, key: ACCESS_KEY_ID }
      secretAccessKey: { name: t1-objectstore, key: ACCESS_SECRET_KEY }`;
  writeFileSync(origin.manifestPath, backupManifest('t1', storePort, 'origin', ['replica:', '  enabled: true', '  source: replica', 'externalClusters:', '- name: replica', ...storeOf('replica').split('\n')]));
  const partial = await origin.waitForLine((l) => l.msg === 'demoted primary: its last WAL segment archived as .partial', 60_000, 'the partial segment archived');
  await origin.waitForLine((l) => l.msg === 'demotion token reported in status.demotionToken', 20_000, 'demotion token');
  const token = String(status(origin).demotionToken);
  const content = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as Record<string, string>;
  assert.equal(partial.wal, `${content.redoWalFile}.partial`, 'the segment of the token\'s checkpoint');
  await origin.waitForLine((l) => l.msg === 'former primary prepared: starting postgres as a replica', 30_000, 'the source back as a standby');

  // The replica cluster replays row 70, then the .partial with the token's checkpoint (without it, the promotion
  // waits forever: "waiting for promotion token LSN ... to be replayed"), and is promoted.
  await waitUntil(async () => (await idsIn(replica, 't')).has(70) || undefined, 60_000, 'row 70 replayed from the archive', 500);
  writeFileSync(replica.manifestPath, replicaManifest(storePort, '', `enabled: false\n  promotionToken: ${token}`));
  await replica.waitForLine((l) => l.msg === 'promoted: this instance is the primary', 60_000, 'promotion');
  await waitUntil(() => status(replica).lastPromotionToken === token || undefined, 10_000, 'status.lastPromotionToken');
  await waitUntil(async () => (await ownerQuery(replica, 'INSERT INTO t VALUES (80)'), true), 20_000, 'a write on the promoted cluster', 200);

  // The demoted source follows the new primary cluster through its store: the new timeline's history, then the
  // segment with row 80 once it is complete (pg_switch_wal by the superuser over the local socket).
  superSql(replica, await readySocketDir(replica), 'SELECT pg_switch_wal()');
  await waitUntil(async () => (await idsIn(origin, 't')).has(80) || undefined, 90_000, 'row 80 on the demoted source, from the store', 500);
  assert.deepEqual((await ownerQuery<{ r: boolean }>(origin, 'SELECT pg_is_in_recovery() AS r')).rows, [{ r: true }]);
  assert.ok(!origin.lines.some((l) => l.msg === 'former primary: rewinding from the new primary'), 'no pg_rewind');
});
