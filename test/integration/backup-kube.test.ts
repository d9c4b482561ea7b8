// Kubernetes mode: a Backup object in the test API server ends `completed` with every field the instance
// manager owns, through the Role `rbac` prints and nothing else; the object store is a real s3rver (the
// manager's own s3rver child, started here by hand as any external S3 service would be).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT, freePort, tempDir } from '../helpers/manager.js';
import { kubeFixture, runKubeManager, typeOf, type KubeFixture, type KubeManager } from '../helpers/kube-api-server-fixture.js';
import { cleanupDir, waitUntil } from '../helpers/lifecycle-procs.js';
import { runManagerCommandRaw } from '../helpers/backup-stack.js';

let store: ChildProcess | undefined;
let f: KubeFixture | undefined;
let m: KubeManager | undefined;
const dirs: string[] = [];
after(async () => {
  await m?.stop();
  store?.kill('SIGTERM');
  await f?.server.stop();
  for (const d of dirs) await cleanupDir(d);
});

test('a Backup object ends completed with all its fields, through the printed Role alone', async () => {
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
  const forbidden = m.lines.filter((l) => /HTTP 403/.test(JSON.stringify(l)));
  assert.deepEqual(forbidden, [], 'no call was refused by the Role');
});
