// Kubernetes mode: a Backup object in the test API server ends `completed` with every field the instance
// manager owns, through the Role `rbac` prints and nothing else, while the ContinuousArchiving condition says
// archiving works; a second cluster bootstraps from that Backup object (spec.bootstrap.recovery.backup.name
// read through the API), and a live edit that adds spec.backup to it starts the backup channel and reports the
// archive_mode restart as pending. The object store is a real s3rver (the manager's own s3rver child, started
// here by hand as any external S3 service would be).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { PG_BIN, REPO_ROOT, freePort, tempDir } from '../helpers/manager.js';
import { kubeFixture, runKubeManager, typeOf, type KubeFixture, type KubeManager } from '../helpers/kube-api-server-fixture.js';
import { cleanupDir, waitUntil } from '../helpers/lifecycle-procs.js';
import { runManagerCommandRaw } from '../helpers/backup-stack.js';

let store: ChildProcess | undefined;
let f: KubeFixture | undefined;
let m: KubeManager | undefined;
let m2: KubeManager | undefined;
const dirs: string[] = [];
after(async () => {
  await m2?.stop();
  await m?.stop();
  store?.kill('SIGTERM');
  await f?.server.stop();
  for (const d of dirs) await cleanupDir(d);
});

test('a Backup object ends completed through the printed Role alone; a second cluster recovers from it and gets spec.backup live', async () => {
  const storePort = await freePort();
  const data = tempDir('pgim-kube-s3-');
  dirs.push(data);
  store = spawn(process.execPath, [join(REPO_ROOT, 'dist', 'bundle', 's3rver-child.js'), String(storePort), data, 'backups'], { env: { ...process.env, S3_ACCESS_KEY_ID: 'kubekey', S3_SECRET_ACCESS_KEY: 'kubesecret' }, stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve) => store?.stdout?.once('data', () => resolve()));
  const spec = [
    'backup:',
    '  barmanObjectStore:',
    '    destinationPath: s3://backups/kube',
    `    endpointURL: http://127.0.0.1:${storePort}`,
    '    s3Credentials:',
    '      accessKeyId: { name: c1-s3, key: ACCESS_KEY_ID }',
    '      secretAccessKey: { name: c1-s3, key: ACCESS_SECRET_KEY }',
  ].join('\n');
  f = await kubeFixture({ specYaml: spec });
  dirs.push(f.dir);
  assert.match(f.rbacYaml, /- c1-s3/, 'the printed Role names the credentials Secret');
  f.server.store.create(typeOf('secrets'), f.namespace, { metadata: { name: 'c1-s3' }, type: 'Opaque', data: { ACCESS_KEY_ID: Buffer.from('kubekey').toString('base64'), ACCESS_SECRET_KEY: Buffer.from('kubesecret').toString('base64') } });
  f.server.store.create(typeOf('backups'), f.namespace, { metadata: { name: 'kb1' }, spec: { cluster: { name: f.clusterName } } });
  const init = await runKubeManager(f, 'init');
  assert.equal(await init.exited, 0, init.stderr());
  m = await runKubeManager(f, 'run');
  await m.waitForLine((l) => l.msg === 'instance ready', 60_000, 'instance ready');
  sql(f, m.port, 'CREATE TABLE before_backup AS SELECT 42 AS answer');
  const asked = await runManagerCommandRaw(['backup', 'kb1', '--controller-dir', join(f.dir, 'controller')]);
  assert.equal(asked.code, 0, asked.stderr);
  const fx = f;
  const status = await waitUntil(() => {
    const s = (fx.server.store.get(typeOf('backups'), fx.namespace, 'kb1').status ?? {}) as Record<string, unknown>;
    return s.phase === 'completed' || s.phase === 'failed' ? s : false;
  }, 120_000, 'Backup kb1 to finish', 250);
  assert.equal(status.phase, 'completed', JSON.stringify(status));
  for (const field of ['backupId', 'backupName', 'beginWal', 'endWal', 'beginLSN', 'endLSN', 'startedAt', 'stoppedAt', 'destinationPath', 'serverName', 'instanceID']) {
    assert.ok(status[field] !== undefined && status[field] !== '', `Backup status has ${field}`); // eslint-disable-line security/detect-object-injection
  }
  assert.equal(status.serverName, 'c1');
  assert.deepEqual(status.s3Credentials, { accessKeyId: { name: 'c1-s3', key: 'ACCESS_KEY_ID' }, secretAccessKey: { name: 'c1-s3', key: 'ACCESS_SECRET_KEY' } }, 'the Backup names the Secrets a recovery reads it with');
  // The backup waited for archiving to work: the condition is upserted into the Cluster's list by type.
  const conditions = ((fx.server.store.get(typeOf('clusters'), fx.namespace, 'c1').status as { conditions?: Record<string, unknown>[] }).conditions ?? []);
  const archiving = conditions.filter((c) => c.type === 'ContinuousArchiving');
  assert.equal(archiving.length, 1, JSON.stringify(conditions));
  assert.equal(archiving[0]?.status, 'True');
  assert.equal(archiving[0]?.reason, 'ContinuousArchivingSuccess');
  assert.equal(archiving[0]?.message, 'Continuous archiving is working');
  assert.ok(conditions.some((c) => c.type === 'Ready'), 'the other conditions stay');
  assert.ok(Number(sql(f, m.port, 'SELECT archived_count FROM pg_stat_archiver')) > 0, 'pg_stat_archiver counts the archived WAL');
  const forbidden = m.lines.filter((l) => /HTTP 403/.test(JSON.stringify(l)));
  assert.deepEqual(forbidden, [], 'no call was refused by the Role');

  // A second cluster recovers from the Backup object, read through the API; its Role also grants the
  // Backup's credentials Secret (CNPG's operator adds the backup origin's Secrets to the Role the same way).
  const f2 = await kubeFixture({ server: fx.server, clusterName: 'c2', specYaml: 'bootstrap:\n  recovery:\n    backup:\n      name: kb1' });
  dirs.push(f2.dir);
  fx.server.rbac.apply([
    { kind: 'Role', metadata: { name: 'c2-backup-origin', namespace: fx.namespace }, rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'], resourceNames: ['c1-s3'] }] },
    { kind: 'RoleBinding', metadata: { name: 'c2-backup-origin', namespace: fx.namespace }, roleRef: { kind: 'Role', name: 'c2-backup-origin' }, subjects: [{ kind: 'ServiceAccount', name: 'c2' }] },
  ]);
  const restore = await runKubeManager(f2, 'restore');
  assert.equal(await restore.exited, 0, restore.stderr());
  m2 = await runKubeManager(f2, 'run');
  await m2.waitForLine((l) => l.msg === 'instance ready', 90_000, 'the recovered c2 ready');
  assert.equal(sql(f2, m2.port, 'SELECT answer FROM before_backup'), '42');

  // Live edit: spec.backup appears on the running c2 (its own server name: a new, empty archive).
  const socketsBefore = m2.lines.length;
  const barmanObjectStore = { destinationPath: 's3://backups/kube', endpointURL: `http://127.0.0.1:${storePort}`, serverName: 'c2', s3Credentials: { accessKeyId: { name: 'c1-s3', key: 'ACCESS_KEY_ID' }, secretAccessKey: { name: 'c1-s3', key: 'ACCESS_SECRET_KEY' } } };
  fx.server.store.patch(typeOf('clusters'), fx.namespace, 'c2', '', 'application/merge-patch+json', { spec: { backup: { barmanObjectStore } } });
  const added = await m2.waitForLine((l) => l.msg?.startsWith('spec.backup.barmanObjectStore was added') === true, 30_000, 'the live backup start');
  assert.ok(m2.lines.indexOf(added) >= socketsBefore);
  const c2Status = await waitUntil(() => {
    const st = (fx.server.store.get(typeOf('clusters'), fx.namespace, 'c2').status ?? {}) as { phaseReason?: string };
    return /archive_mode/.test(st.phaseReason ?? '') ? st : false;
  }, 30_000, 'c2 status naming the pending archive_mode restart', 250);
  assert.match(c2Status.phaseReason ?? '', /restart needed for .*archive_mode/);
  // The backup channel serves: listing the (new, empty) catalog of c2 works without a restart.
  const listed = await runManagerCommandRaw(['backups', '--controller-dir', join(f2.dir, 'controller')]);
  assert.equal(listed.code, 0, listed.stderr);
  assert.match(listed.stdout, /s3:\/\/backups\/kube \(server c2\): no completed backup/);
});

function sql(f: KubeFixture, port: number, text: string): string {
  return execFileSync('runuser', ['-u', 'postgres', '--', join(PG_BIN, 'psql'), '-X', '-At', '-h', join(f.dir, 'controller', 'run'), '-p', String(port), '-d', 'postgres', '-c', text], { encoding: 'utf8' }).trim();
}
