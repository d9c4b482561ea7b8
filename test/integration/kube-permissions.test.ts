// The excess-permissions finding on the Cluster: with the exact Role printed by `rbac` no condition is
// added; with an extra grant (list any Secret) the manager sets InstanceManagerExcessPermissions=True naming
// it, records a Warning event, and keeps the operator's own conditions; narrowing the Role turns it False.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseAllDocuments } from 'yaml';
import type { PolicyRule } from '../../src/kube/kube-api.js';
import { kubeFixture, runKubeManager, typeOf, type KubeFixture } from '../helpers/kube-api-server-fixture.js';
import { processesMentioning } from '../helpers/manager.js';

const TYPE = 'InstanceManagerExcessPermissions';
const ready = { type: 'Ready', status: 'True', reason: 'ClusterIsReady', message: 'Cluster is Ready', lastTransitionTime: '2024-01-01T00:00:00Z' };
let f: KubeFixture;
let rules: PolicyRule[];

interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
  lastTransitionTime: string;
}

function conditions(): Condition[] {
  const status = f.server.store.get(typeOf('clusters'), f.namespace, f.clusterName).status as { conditions?: Condition[] } | undefined;
  return status?.conditions ?? [];
}

async function until<T>(get: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = get();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; conditions: ${JSON.stringify(conditions())}`);
    await sleep(50);
  }
}

/** Runs the manager until `done` yields, then stops it. */
async function runUntil<T>(done: () => T | undefined, what: string): Promise<T> {
  const m = await runKubeManager(f, 'run');
  try {
    await m.waitForLine((l) => l.msg === 'instance ready', 60_000, 'instance ready');
    return await until(done, 15_000, what);
  } finally {
    assert.equal(await m.stop(), 0, m.stderr());
  }
}

before(async () => {
  f = await kubeFixture();
  rules = parseAllDocuments(f.rbacYaml).map((d) => d.toJS() as { kind: string; rules?: PolicyRule[] }).find((d) => d.kind === 'Role')?.rules ?? [];
  // The operator's own condition, which our list patch must keep.
  f.server.store.patch(typeOf('clusters'), f.namespace, f.clusterName, 'status', 'application/merge-patch+json', { status: { conditions: [ready] } });
  const init = await runKubeManager(f, 'init');
  assert.equal(await init.exited, 0, init.stderr());
});

after(async () => {
  for (const pid of processesMentioning(f.dir)) process.kill(pid, 'SIGKILL');
  await f.server.stop();
  rmSync(f.dir, { recursive: true, force: true });
});

describe('excess permissions condition', () => {
  it('the exact Role: no condition, no event, the operator condition untouched', async () => {
    await runUntil(() => ((f.server.store.get(typeOf('clusters'), f.namespace, f.clusterName).status as { phase?: string }).phase ? true : undefined), 'status.phase');
    assert.deepEqual(conditions(), [ready]);
    assert.equal(f.server.store.list(typeOf('events'), f.namespace).filter((e) => e.reason === 'ExcessPermissions').length, 0);
  });

  it('an extra grant: condition True naming it, a Warning event, the other conditions kept', async () => {
    f.server.rbac.setRoleRules(f.namespace, f.clusterName, [...rules, { apiGroups: [''], resources: ['secrets'], verbs: ['list'] }]);
    const found = await runUntil(() => conditions().find((c) => c.type === TYPE), `a ${TYPE} condition`);
    assert.equal(found.status, 'True');
    assert.equal(found.reason, 'ExcessPermissions');
    assert.match(found.message, /list secrets \(any name\)/);
    assert.match(found.lastTransitionTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.deepEqual(conditions()[0], ready, 'the operator condition is kept');
    const events = f.server.store.list(typeOf('events'), f.namespace).filter((e) => e.reason === 'ExcessPermissions');
    assert.equal(events.length, 1);
    assert.equal(events[0]?.type, 'Warning');
    const patches = f.server.audit.filter((a) => a.resource === 'clusters/status' && a.verb === 'patch' && a.code >= 400);
    assert.deepEqual(patches, [], 'no status patch was refused');
  });

  it('the Role narrowed again: the condition turns False', async () => {
    f.server.rbac.setRoleRules(f.namespace, f.clusterName, rules);
    const turned = await runUntil(() => conditions().find((c) => c.type === TYPE && c.status === 'False'), `${TYPE}=False`);
    assert.equal(turned.reason, 'PermissionsMatch');
    assert.deepEqual(conditions().map((c) => c.type), ['Ready', TYPE]);
  });
});
