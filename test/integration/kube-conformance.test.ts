// The test API server checked by independent real clients: kubectl and Debian's python3-kubernetes run
// the scripts in test/conformance/ against it, with the ServiceAccount token and Role of a Cluster.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { kubeFixture, type KubeFixture } from '../helpers/kube-api-server-fixture.js';
import { REPO_ROOT } from '../helpers/manager.js';

const KUBECTL = '/usr/bin/kubectl';
const PYTHON = '/usr/bin/python3';
const hasKubectl = existsSync(KUBECTL);
const hasPythonKubernetes = existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import kubernetes'], { stdio: 'ignore' }).status === 0;

let f: KubeFixture;
let caFile: string;

before(async () => {
  f = await kubeFixture();
  // A second cluster in the namespace: its Secret is the one c1's ServiceAccount must not read.
  rmSync((await kubeFixture({ clusterName: 'c2', server: f.server })).dir, { recursive: true, force: true });
  caFile = join(f.dir, 'kube-ca.crt');
  writeFileSync(caFile, f.server.caPem);
});

after(async () => {
  await f.server.stop();
  rmSync(f.dir, { recursive: true, force: true });
});

// Asynchronous: the server answers from this very process, so a synchronous spawn would deadlock it.
function run(cmd: string, args: string[]): Promise<{ status: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (output += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (output += c));
    child.on('close', (status) => resolve({ status, output }));
  });
}

describe('test API server conformance', () => {
  it('passes the kubectl script', { skip: hasKubectl ? false : `${KUBECTL} is not installed (kubectl 1.32 is on the CI machines)` }, async () => {
    // Give the SA the status `get` kubectl does before `patch --subresource=status`, on top of the printed Role.
    f.server.rbac.apply([
      { kind: 'Role', metadata: { name: 'kubectl-extra', namespace: f.namespace }, rules: [{ apiGroups: ['postgresql.cnpg.io'], resources: ['clusters/status', 'clusters'], verbs: ['get', 'patch', 'list', 'watch'], resourceNames: [f.clusterName] }] },
      { kind: 'RoleBinding', metadata: { name: 'kubectl-extra', namespace: f.namespace }, roleRef: { kind: 'Role', name: 'kubectl-extra' }, subjects: [{ kind: 'ServiceAccount', name: f.clusterName, namespace: f.namespace }] },
    ]);
    const script = join(REPO_ROOT, 'test', 'conformance', 'kubectl-conformance.sh');
    const r = await run('bash', [script, f.server.url, caFile, f.token, f.namespace, f.clusterName, 'c2-app']);
    assert.equal(r.status, 0, r.output);
    assert.match(r.output, /kubectl conformance: ok/);
    assert.ok(f.server.audit.some((a) => a.verb === 'watch' && a.code === 200), 'kubectl watched');
    assert.ok(f.server.audit.some((a) => a.verb === 'watch' && a.resource === 'secrets' && a.fieldName === `${f.clusterName}-app` && a.code === 200), 'kubectl watched the Secret by name');
    assert.ok(f.server.audit.some((a) => a.resource === 'leases' && a.verb === 'update' && a.code === 409), 'a stale Lease replace got 409');
    assert.ok(f.server.audit.some((a) => a.resource === 'leases' && a.verb === 'update' && a.code === 400), 'a three-digit MicroTime got 400');
  });

  it('passes the python3-kubernetes script', { skip: hasPythonKubernetes ? false : 'python3-kubernetes is not installed (.ci/run installs it)' }, async () => {
    const script = join(REPO_ROOT, 'test', 'conformance', 'python-conformance.py');
    const r = await run(PYTHON, [script, f.server.url, caFile, f.token, f.namespace, f.clusterName, 'c2-app']);
    assert.equal(r.status, 0, r.output);
    assert.match(r.output, /python3-kubernetes conformance: ok/);
    // python sends watch=True (Go ParseBool): it must have been served as a watch, not a list.
    assert.ok(f.server.audit.some((a) => a.verb === 'watch' && a.code === 200 && a.user.endsWith(`:${f.clusterName}`)));
    assert.ok(f.server.audit.some((a) => a.verb === 'watch' && a.resource === 'secrets' && a.fieldName === `${f.clusterName}-app` && a.code === 200), 'python watched the Secret by name');
    assert.ok(f.server.audit.some((a) => a.verb === 'watch' && a.resource === 'secrets' && a.fieldName === 'c2-app' && a.code === 403), 'the other Secret\'s watch refused');
    assert.ok(f.server.audit.some((a) => a.resource === 'leases' && a.verb === 'update' && a.code === 409 && a.user.endsWith(`:${f.clusterName}`)), 'python got 409 on a stale Lease');
  });

  it('answers 401 to an unknown token', { skip: hasKubectl ? false : 'kubectl is not installed' }, async () => {
    const noToken = await run(KUBECTL, [`--server=${f.server.url}`, `--certificate-authority=${caFile}`, '--token=wrong', 'get', '--raw', '/api']);
    assert.notEqual(noToken.status, 0);
    assert.match(noToken.output, /Unauthorized/);
  });
});
