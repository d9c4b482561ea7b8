// Kubernetes mode: a Database object in the test API server is reconciled by the primary (with an extension's
// foreign data wrapper and a foreign server) and its status patched through the Role `rbac` prints and
// nothing else; a spec edit (a new generation) is applied, a deletion with databaseReclaimPolicy delete drops
// the database, and a Database of another Cluster in the same namespace is left to that Cluster's instances
// (no status written, as CNPG).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PG_BIN } from '../helpers/manager.js';
import { kubeFixture, runKubeManager, typeOf, type KubeFixture, type KubeManager } from '../helpers/kube-api-server-fixture.js';
import { cleanupDir, waitUntil } from '../helpers/lifecycle-procs.js';

let f: KubeFixture | undefined;
let m: KubeManager | undefined;
after(async () => {
  await m?.stop();
  await f?.server.stop();
  if (f) await cleanupDir(f.dir);
});

function sql(fx: KubeFixture, port: number, text: string, database = 'postgres'): string {
  return execFileSync('runuser', ['-u', 'postgres', '--', join(PG_BIN, 'psql'), '-X', '-At', '-h', join(fx.dir, 'controller', 'run'), '-p', String(port), '-d', database, '-c', text], { encoding: 'utf8' }).trim();
}

test('a Database object is applied and its status patched through the printed Role alone', async () => {
  f = await kubeFixture();
  const fx = f;
  const databases = typeOf('databases');
  const status = (name: string): Record<string, unknown> | undefined => fx.server.store.get(databases, fx.namespace, name).status as Record<string, unknown> | undefined;
  assert.match(fx.rbacYaml, /databases\/status/, 'the printed Role grants the Database status');
  fx.server.store.create(databases, fx.namespace, {
    apiVersion: 'postgresql.cnpg.io/v1',
    kind: 'Database',
    metadata: { name: 'kdb' },
    spec: {
      cluster: { name: fx.clusterName }, name: 'kdb', owner: 'app', databaseReclaimPolicy: 'delete',
      extensions: [{ name: 'citext' }, { name: 'postgres_fdw' }],
      fdws: [{ name: 'postgres_fdw', usage: [{ name: 'app', type: 'grant' }] }],
      servers: [{ name: 'elsewhere', fdw: 'postgres_fdw', options: [{ name: 'host', value: 'elsewhere.example' }] }],
    },
  });
  fx.server.store.create(databases, fx.namespace, { apiVersion: 'postgresql.cnpg.io/v1', kind: 'Database', metadata: { name: 'theirs' }, spec: { cluster: { name: 'another' }, name: 'theirs', owner: 'app' } });
  const init = await runKubeManager(fx, 'init');
  assert.equal(await init.exited, 0, init.stderr());
  m = await runKubeManager(fx, 'run');
  const mm = m;
  await mm.waitForLine((l) => l.msg === 'instance ready', 60_000, 'instance ready');
  await waitUntil(() => status('kdb')?.applied === true, 20_000, 'kdb applied');
  assert.deepEqual(status('kdb'), {
    observedGeneration: 1,
    applied: true,
    extensions: [{ name: 'citext', applied: true }, { name: 'postgres_fdw', applied: true }],
    fdws: [{ name: 'postgres_fdw', applied: true }],
    servers: [{ name: 'elsewhere', applied: true }],
  });
  assert.equal(sql(fx, mm.port, "SELECT array_to_string(srvoptions, ',') || ' ' || has_server_privilege('app', 'elsewhere', 'USAGE')::text || ' ' || has_foreign_data_wrapper_privilege('app', 'postgres_fdw', 'USAGE')::text FROM pg_foreign_server", 'kdb'), 'host=elsewhere.example false true');
  assert.equal(sql(fx, mm.port, "SELECT extname FROM pg_extension WHERE extname = 'citext'", 'kdb'), 'citext');

  // A spec edit: generation 2, applied at once through the watch.
  fx.server.store.patch(databases, fx.namespace, 'kdb', '', 'application/merge-patch+json', { spec: { connectionLimit: 4 } });
  await waitUntil(() => status('kdb')?.observedGeneration === 2, 20_000, 'generation 2 observed');
  assert.equal(sql(fx, mm.port, "SELECT datconnlimit FROM pg_database WHERE datname = 'kdb'"), '4');

  // kubectl, with the ServiceAccount's token (the printed Role), sees the resource and the status.
  if (existsSync('/usr/bin/kubectl')) {
    const ca = join(fx.dir, 'kube-ca.crt');
    writeFileSync(ca, fx.server.caPem);
    // Asynchronously: the test API server answers from this process.
    const kubectl = async (...args: string[]): Promise<string> =>
      (await promisify(execFile)('/usr/bin/kubectl', [`--server=${fx.server.url}`, `--certificate-authority=${ca}`, `--token=${fx.token}`, '-n', fx.namespace, ...args], { encoding: 'utf8' })).stdout.trim();
    assert.match(await kubectl('api-resources', '--api-group=postgresql.cnpg.io', '-o', 'name'), /^databases\.postgresql\.cnpg\.io$/m);
    const rows = await kubectl('get', 'databases.postgresql.cnpg.io', '-o', 'jsonpath={range .items[*]}{.metadata.name}={.status.applied}/{.status.observedGeneration}{"\\n"}{end}');
    assert.deepEqual(rows.split('\n').sort(), ['kdb=true/2', 'theirs=/']);
  }

  // Deleted with databaseReclaimPolicy delete: the database is dropped.
  fx.server.store.delete(databases, fx.namespace, 'kdb');
  await waitUntil(() => sql(fx, mm.port, "SELECT count(*) FROM pg_database WHERE datname = 'kdb'") === '0', 20_000, 'kdb dropped');

  assert.equal(status('theirs'), undefined, "another Cluster's Database gets no status from this one");
  assert.equal(sql(fx, mm.port, "SELECT count(*) FROM pg_database WHERE datname = 'theirs'"), '0');
  const patches = fx.server.audit.filter((a) => a.resource === 'databases/status' && a.verb === 'patch');
  assert.ok(patches.length >= 2 && patches.every((a) => a.code === 200 && a.user.includes('serviceaccount')), JSON.stringify(patches.map((a) => [a.user, a.code])));
  assert.deepEqual(fx.server.forbidden(), [], 'no call was refused by the Role');
});
