// The manager's calls to the test API server, counted and inspected: an idle instance costs at most a few
// requests a minute (its Secrets are watched by name, not re-read) besides its primary Lease's renewal (one
// PUT every 2 s, no read), one reconcile reads each Secret once, a
// reconcile that fails on a brief 503 is retried until it succeeds, and no patch ever carries
// targetPrimary (the operator's field), not even after it was changed from outside during an outage.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { typeOf, type KubeFixture, type KubeManager } from '../helpers/kube-api-server-fixture.js';
import { clusterStatus, patchSpec, reloads, showSetting, startKubeInstance, stopKubeInstance, type KubeInstance } from '../helpers/kube-instance.js';
import { waitUntil } from '../helpers/lifecycle-procs.js';
import type { AuditEntry } from '../helpers/kube-api-server.js';

let i: KubeInstance;
let f: KubeFixture;
let m: KubeManager;

const status = (): Record<string, unknown> => clusterStatus(f);

function patchStatus(fields: Record<string, unknown>): void {
  f.server.store.patch(typeOf('clusters'), f.namespace, f.clusterName, 'status', 'application/merge-patch+json', { status: fields });
}

/** The manager's requests (its ServiceAccount's), from audit index `since`. */
function ours(since = 0): AuditEntry[] {
  return f.server.audit.slice(since).filter((a) => a.user.endsWith(`:${f.clusterName}`));
}

function summary(entries: AuditEntry[]): string {
  return entries.map((a) => `${a.verb} ${a.resource}${a.name ? `/${a.name}` : a.fieldName ? `?name=${a.fieldName}` : ''} ${a.code}`).join('; ');
}

before(async () => {
  i = await startKubeInstance('Cluster in healthy state');
  ({ f, m } = i);
});

after(() => stopKubeInstance(i));

describe('API traffic of one instance', () => {
  it('an idle manager makes at most 3 requests in 30 s (watches counted when opened) besides one Lease renewal every 2 s', async (t) => {
    await sleep(3000); // start-up settles: the first watches are open
    const since = f.server.audit.length;
    await sleep(30_000);
    const idle = ours(since).filter((a) => a.resource !== 'leases');
    const lease = ours(since).filter((a) => a.resource === 'leases');
    t.diagnostic(`idle requests in 30 s: ${idle.length}, Lease renewals: ${lease.length}`);
    assert.ok(idle.length <= 3, `${idle.length} requests in 30 s: ${summary(idle)}`);
    assert.ok(lease.length >= 10 && lease.length <= 16, `Lease calls in 30 s: ${summary(lease)}`);
    assert.deepEqual(lease.filter((a) => a.verb !== 'update' || a.name !== f.clusterName || a.code !== 200).map((a) => `${a.verb} ${a.code}`), [], 'only renewals by name');
  });

  it('one reconcile reads each Secret once', async (t) => {
    const since = f.server.audit.length;
    const before = reloads(m);
    patchSpec(f, { postgresql: { parameters: { work_mem: '6MB' } } });
    await waitUntil(() => reloads(m) > before, 10_000, 'the reload');
    await waitUntil(() => ours(since).some((a) => a.resource === 'clusters/status' && a.verb === 'patch'), 10_000, 'the status patch');
    const gets = ours(since).filter((a) => a.resource === 'secrets' && a.verb === 'get');
    const names = gets.map((a) => a.name ?? '');
    t.diagnostic(`Secret GETs in one reconcile: ${gets.length}; all requests: ${ours(since).length} (${summary(ours(since))})`);
    assert.deepEqual(names.filter((n, i) => names.indexOf(n) !== i), [], `a Secret read twice: ${summary(gets)}`);
    assert.deepEqual([...new Set(names)].sort(), ['c1-app', 'c1-ca', 'c1-replication', 'c1-server'], summary(gets));
  });
});

describe('a reconcile that fails on a brief API error', () => {
  it('is retried with backoff until it succeeds (every Secret GET answered 503 for 1.5 s)', async () => {
    const before = reloads(m);
    const lines = m.lines.length;
    f.server.faults.add({ resource: 'secrets', verb: 'get', code: 503, forMs: 1500 });
    patchSpec(f, { postgresql: { parameters: { work_mem: '5MB' } } });
    await m.waitForLine((l) => l.msg === 'reconcile failed; the previous configuration stays in force' && JSON.stringify(l.err).includes('HTTP 503'), 10_000, 'the failed reconcile');
    await waitUntil(() => reloads(m) > before, 15_000, 'the reload after the retry');
    assert.equal(await showSetting(i, 'work_mem'), '5MB');
    const retry = m.lines.slice(lines).find((l) => l.msg === 'reconcile will be retried');
    assert.ok(retry && typeof retry.retryInMs === 'number' && retry.retryInMs >= 1000, `the retry logged with its wait: ${JSON.stringify(retry)}`);
  });
});

describe('status patches', () => {
  it('never carry targetPrimary; the phase goes with the Ready condition', () => {
    const patches = ours().filter((a) => a.resource === 'clusters/status' && a.verb === 'patch');
    assert.ok(patches.length > 0);
    const withTarget = patches.filter((a) => JSON.stringify(a.body).includes('targetPrimary'));
    assert.deepEqual(withTarget.map((a) => a.body), []);
    const conditions = (status().conditions ?? []) as { type: string; status: string; reason: string; message: string }[];
    const ready = conditions.find((c) => c.type === 'Ready');
    assert.deepEqual(ready && [ready.status, ready.reason, ready.message], ['True', 'ClusterIsReady', 'Cluster is Ready']);
    assert.equal(status().currentPrimary, `${f.clusterName}-1`);
  });

  it('do not write targetPrimary back after it was changed from outside during an outage', async () => {
    await f.server.stop();
    // While the API is down the operator writes another targetPrimary and our status fields are wiped; a spec
    // change makes the manager reconcile (and patch its status) once the API is back. -2 is not one of
    // instanceNames (no such instance runs here), so this primary stays primary: a target it would follow
    // makes it demote itself in place and wait for -2's promotion, which never comes in this test.
    patchStatus({ targetPrimary: `${f.clusterName}-2`, currentPrimary: null, phase: null, instanceNames: [`${f.clusterName}-1`] });
    patchSpec(f, { postgresql: { parameters: { work_mem: '8MB' } } });
    const since = f.server.audit.length;
    await sleep(2000);
    await f.server.start();
    await waitUntil(() => status().phase === 'Cluster in healthy state', 15_000, 'our phase written again');
    assert.equal(status().targetPrimary, `${f.clusterName}-2`, 'the operator\'s choice stands');
    assert.equal(status().currentPrimary, undefined, 'not the target primary: currentPrimary is not ours to write');
    const patches = ours(since).filter((a) => a.resource === 'clusters/status' && a.verb === 'patch');
    assert.deepEqual(patches.filter((a) => /targetPrimary|currentPrimary/.test(JSON.stringify(a.body))).map((a) => a.body), []);
  });
});
