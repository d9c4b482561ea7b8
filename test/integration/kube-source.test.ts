// The Kubernetes source end to end: a spec change through the API (a parameter, a pg_hba line) is
// applied with a reload within 2 s and reported; the watch survives a compacted resourceVersion (410),
// token rotation with the old token revoked, and the API server going away and coming back.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { typeOf, type KubeFixture, type KubeManager } from '../helpers/kube-api-server-fixture.js';
import { patchSpec, reloads, showSetting, startKubeInstance, stopKubeInstance, type KubeInstance } from '../helpers/kube-instance.js';
import { waitUntil } from '../helpers/lifecycle-procs.js';

let i: KubeInstance;
let f: KubeFixture;
let m: KubeManager;

function events(reason: string): number {
  return f.server.store.list(typeOf('events'), f.namespace).filter((e) => e.reason === reason).length;
}

before(async () => {
  i = await startKubeInstance();
  ({ f, m } = i);
});

after(() => stopKubeInstance(i));

describe('kube source', () => {
  it('applies a parameter and a pg_hba line changed through the API with a reload within 2 s', async () => {
    const before = reloads(m);
    const started = Date.now();
    patchSpec(f, { postgresql: { parameters: { work_mem: '7MB' }, pg_hba: ['host all all 10.99.0.0/16 scram-sha-256'] } });
    await waitUntil(() => reloads(m) > before, 2000, 'configuration reloaded within 2 s');
    assert.ok(Date.now() - started <= 2000);
    assert.equal(await showSetting(i, 'work_mem'), '7MB');
    assert.match(readFileSync(join(f.dir, 'pgdata', 'pg_hba.conf'), 'utf8'), /^host all all 10\.99\.0\.0\/16 scram-sha-256$/m);
    await waitUntil(() => events('ConfigurationReloaded') > 0, 5000, 'a ConfigurationReloaded event');
    const status = f.server.store.get(typeOf('clusters'), f.namespace, f.clusterName).status as Record<string, unknown>;
    assert.equal(status.phase, 'Cluster in healthy state');
    assert.equal(status.currentPrimary, `${f.clusterName}-1`);
  });

  it('reports a restart-only parameter in status.phase', async () => {
    patchSpec(f, { postgresql: { parameters: { work_mem: '7MB', max_connections: '120' } } });
    await waitUntil(() => (f.server.store.get(typeOf('clusters'), f.namespace, f.clusterName).status as { phaseReason?: string }).phaseReason?.includes('max_connections') === true, 5000, 'phaseReason naming max_connections');
    assert.equal((f.server.store.get(typeOf('clusters'), f.namespace, f.clusterName).status as { phase: string }).phase, 'Applying configuration');
    patchSpec(f, { postgresql: { parameters: { work_mem: '7MB', max_connections: null } } });
  });

  it('re-lists after 410 Gone and keeps following the Cluster', async () => {
    f.server.store.compact();
    f.server.dropConnections();
    await sleep(100);
    const before = reloads(m);
    patchSpec(f, { postgresql: { parameters: { work_mem: '9MB' } } });
    await waitUntil(() => reloads(m) > before, 10_000, 'reload after the re-list');
    assert.equal(await showSetting(i, 'work_mem'), '9MB');
    assert.ok(m.lines.some((l) => typeof l.msg === 'string' && l.msg.includes('410')), 'the 410 re-list was logged');
  });

  it('keeps working when the token is rotated and the old one revoked', async () => {
    const since = f.server.audit.length;
    f.rotateToken();
    const before = reloads(m);
    patchSpec(f, { postgresql: { parameters: { work_mem: '11MB' } } });
    await waitUntil(() => reloads(m) > before, 10_000, 'reload after token rotation');
    assert.equal(await showSetting(i, 'work_mem'), '11MB');
    await waitUntil(() => f.server.audit.slice(since).some((a) => a.resource === 'secrets' && a.code === 200), 10_000, 'a call with the new token');
    assert.deepEqual(f.server.audit.slice(since).filter((a) => a.code === 401), []);
  });

  it('survives the API server going away: postgres keeps running and status converges when it returns', async () => {
    const pid = m.lines.filter((l) => l.msg === 'postmaster started').length;
    await f.server.stop();
    // While it is down: the operator's view changes (a parameter) and our status is wiped.
    patchSpec(f, { postgresql: { parameters: { work_mem: '13MB' } } });
    f.server.store.patch(typeOf('clusters'), f.namespace, f.clusterName, 'status', 'application/merge-patch+json', { status: { phase: null, currentPrimary: null } });
    await sleep(6000);
    assert.equal(m.proc.exitCode, null, 'the manager is still running');
    await f.server.start();
    const back = Date.now();
    await waitUntil(() => (f.server.store.get(typeOf('clusters'), f.namespace, f.clusterName).status as { currentPrimary?: string }).currentPrimary === `${f.clusterName}-1`, 10_000, 'status converged');
    assert.ok(Date.now() - back < 10_000);
    await waitUntil(() => m.lines.some((l) => l.msg === 'configuration reloaded'), 10_000, 'reload');
    assert.equal(await showSetting(i, 'work_mem'), '13MB');
    assert.equal(m.lines.filter((l) => l.msg === 'postmaster started').length, pid, 'no postmaster restart');
  });
});
