// KubeSpecSource.watch over a scripted KubeApi: the referenced Secrets are re-read on every refresh, and
// the waits between refreshes leave nothing behind on the caller's AbortSignal (one listener per refresh
// every 5 s used to pile up: a MaxListenersExceededWarning after a minute, and a slow leak).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import type { KubeApi, KubeObject } from '../../../src/kube/kube-api.js';
import { KubeSpecSource } from '../../../src/kube/kube-source.js';

const cluster: KubeObject = {
  apiVersion: 'postgresql.cnpg.io/v1',
  kind: 'Cluster',
  metadata: { name: 'c1', namespace: 'ns', resourceVersion: '1', uid: 'u1' },
  spec: { instances: 1 },
};

function scriptedApi(): { api: KubeApi; secretReads: () => number } {
  let reads = 0;
  const unused = (): Promise<never> => Promise.reject(new Error('not used by watch()'));
  const api: KubeApi = {
    namespace: 'ns',
    getCluster: () => Promise.resolve(cluster),
    listCluster: () => Promise.resolve({ items: [cluster], resourceVersion: '1' }),
    // A watch stream that stays open until the caller aborts it.
    watchCluster: (_name, _rv, _onEvent, signal) => new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true })),
    patchClusterStatus: unused,
    getBackup: unused,
    patchBackupStatus: unused,
    getSecret: () => {
      reads += 1;
      return Promise.resolve(undefined);
    },
    serviceAccountExists: () => Promise.resolve(true),
    getConfigMap: () => Promise.resolve(undefined),
    createEvent: () => Promise.resolve(),
    rulesReview: () => Promise.resolve([]),
  };
  return { api, secretReads: () => reads };
}

test('a refresh every millisecond for 400 ms leaves no abort listener behind and raises no warning', async () => {
  const { api, secretReads } = scriptedApi();
  const source = new KubeSpecSource({ api: () => Promise.resolve(api), clusterName: 'c1', log: pino({ level: 'silent' }), startupTimeoutMs: 1000, refreshMs: 1 });
  const warnings: Error[] = [];
  const onWarning = (w: Error): void => void warnings.push(w);
  process.on('warning', onWarning);
  const stop = new AbortController();
  const yielded: string[] = [];
  const following = (async () => {
    for await (const c of source.watch(stop.signal, () => undefined)) yielded.push(c.name);
  })();
  try {
    const before = secretReads();
    await sleep(400);
    assert.ok(secretReads() - before >= 50, `the refresh ran (${secretReads() - before} Secret reads)`);
    assert.ok(getEventListeners(stop.signal, 'abort').length <= 3, `${getEventListeners(stop.signal, 'abort').length} abort listeners`);
    assert.deepEqual(yielded, ['c1'], 'the first version only: nothing changed after it');
  } finally {
    stop.abort();
    await following;
    process.off('warning', onWarning);
  }
  assert.deepEqual(warnings.map((w) => w.name), []);
});
