// Fencing (CNPG's cnpg.io/fencedInstances annotation) in the embedded default, with WAL archiving into the
// embedded S3 store: the operator's POST /pg/archive/partial is refused while the instance runs; fenced, postgres
// stops while the manager, its liveness and its status API stay up; the route then archives the stopped PGDATA's
// last segment as .partial (what barman-cloud-wal-restore hands out for it); unfenced, postgres starts again
// with its data.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, startManager, tempDir, type ManagerHandle } from '../helpers/manager.js';
import { cleanupDir, waitUntil } from '../helpers/lifecycle-procs.js';
import { idsIn, ownerQuery } from '../helpers/lifecycle-writer.js';
import { backupManifest } from '../helpers/backup-stack.js';
import { operatorBackupRequest } from '../helpers/online-backup.js';
import { statusRequest } from '../helpers/status-client.js';

let h: ManagerHandle | undefined;
after(async () => {
  if (!h) return;
  await h.stop(20_000);
  await cleanupDir(h.dir);
});

test('fenced: postgres down, the manager up; /pg/archive/partial archives the last segment; unfenced: postgres back with its data', async () => {
  const storePort = await freePort();
  const text = (fenced: string | undefined): string => {
    const base = backupManifest('t1', storePort, 'fence');
    return fenced === undefined ? base : base.replace('  annotations:\n', `  annotations:\n    cnpg.io/fencedInstances: '${fenced}'\n`);
  };
  h = await startManager({ dir: tempDir('pgim-fence-'), manifestText: text(undefined) });
  const m = h;
  await m.waitForLine((l) => l.msg === 'instance ready', 90_000, 'instance ready');
  await ownerQuery(m, 'CREATE TABLE t (id int PRIMARY KEY)');
  await ownerQuery(m, 'INSERT INTO t VALUES (1)');
  const req = { ...(await operatorBackupRequest(m, 't1')), path: '/pg/archive/partial', method: 'POST' };
  const running = await statusRequest(req);
  assert.equal(running.status, 400);
  assert.match(running.body, /NOT_FENCED/);

  const pod = String((JSON.parse(readFileSync(join(m.stateDir, 'status.json'), 'utf8')) as { currentPrimary?: string }).currentPrimary);
  writeFileSync(m.manifestPath, text(JSON.stringify([pod])));
  await m.waitForLine((l) => l.msg === 'fenced (cnpg.io/fencedInstances): postgres stays down until the instance is unfenced', 30_000, 'fenced');
  const probe = (path: string): Promise<number> => statusRequest({ port: m.statusPort, path, ca: req.ca }).then((r) => r.status);
  assert.equal(await probe('/healthz'), 200, 'liveness holds while fenced');
  assert.notEqual(await probe('/readyz'), 200, 'not ready while fenced');
  await assert.rejects(ownerQuery(m, 'SELECT 1'), 'postgres is down');

  const archived = await statusRequest(req);
  assert.equal(archived.status, 200, archived.body);
  const segment = (JSON.parse(archived.body) as { data: string }).data;
  assert.match(segment, /^[0-9A-F]{24}$/);
  // What a replica cluster restoring from this store gets for that segment: the .partial, byte for byte.
  const key = (k: string): string => readFileSync(join(m.stateDir, 'secrets', 't1-objectstore', k), 'utf8');
  const dest = join(m.dir, 'restored');
  const restore = spawnSync('barman-cloud-wal-restore', ['--endpoint-url', `http://127.0.0.1:${storePort}`, '--cloud-provider', 'aws-s3', 's3://backups/fence', 'fence', segment, dest], {
    env: { ...process.env, AWS_ACCESS_KEY_ID: key('ACCESS_KEY_ID'), AWS_SECRET_ACCESS_KEY: key('ACCESS_SECRET_KEY'), AWS_DEFAULT_REGION: 'us-east-1' },
    encoding: 'utf8',
  });
  assert.equal(restore.status, 0, restore.stderr);
  assert.ok(readFileSync(dest).equals(readFileSync(join(m.stateDir, 'pgdata', 'pg_wal', segment))), 'the stopped PGDATA\'s last segment');

  writeFileSync(m.manifestPath, text(undefined));
  await m.waitForLine((l) => l.msg === 'unfenced: starting postgres', 30_000, 'unfenced');
  await waitUntil(async () => (await idsIn(m, 't')).has(1) || undefined, 60_000, 'postgres back with its row', 200);
  await ownerQuery(m, 'INSERT INTO t VALUES (2)');
});
