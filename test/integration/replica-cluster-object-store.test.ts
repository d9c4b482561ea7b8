// A replica cluster bootstrapped from an object store (cluster-replica-async.yaml's shape): the source archives
// WAL and takes a backup into the embedded S3 store (real s3rver, real barman-cloud); the replica cluster restores
// that backup with spec.bootstrap.recovery, does not promote, and its designated primary keeps replaying the
// source's archived WAL through restore_command (`wal-restore`, served from the source's store).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, manifest, startManager, tempDir, type ManagerHandle } from '../helpers/manager.js';
import { cleanupDir, waitUntil } from '../helpers/lifecycle-procs.js';
import { idsIn, ownerQuery, runManagerCommand } from '../helpers/lifecycle-writer.js';
import { backupEnded, backupManifest } from '../helpers/backup-stack.js';

const handles: ManagerHandle[] = [];
after(async () => {
  for (const h of handles) await h.stop(20_000);
  for (const h of handles) await cleanupDir(h.dir);
});

const replicaManifest = (storePort: number): string =>
  manifest('t1', `bootstrap:
  recovery:
    source: origin
replica:
  enabled: true
  source: origin
externalClusters:
- name: origin
  barmanObjectStore:
    destinationPath: s3://backups/origin
    endpointURL: http://127.0.0.1:${storePort}
    serverName: origin
    s3Credentials:
      accessKeyId: { name: origin-objectstore, key: ACCESS_KEY_ID }
      secretAccessKey: { name: origin-objectstore, key: ACCESS_SECRET_KEY }`);

test('a replica cluster restored from the source\'s backup stays a standby and replays its archived WAL', async () => {
  const storePort = await freePort();
  const origin = await startManager({ dir: tempDir('pgim-rc-origin-'), manifestText: backupManifest('t1', storePort, 'origin') });
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
  execFileSync('chown', ['-R', 'postgres:postgres', join(dir, 'state')]);
  const replica = await startManager({ dir, manifestText: replicaManifest(storePort) });
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
});
