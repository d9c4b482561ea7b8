// KubeSpecSource.watch over a scripted KubeApi: the referenced Secrets are followed by name-restricted
// watches, not re-read (no GET while idle); a new Secret version is yielded once, the version the last
// read saw is no change; and the waits leave nothing behind on the caller's AbortSignal (one listener per
// wake used to pile up: a MaxListenersExceededWarning after a minute, and a slow leak).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import type { KubeApi, KubeObject, WatchEventType } from '../../../src/kube/kube-api.js';
import { KubeSpecSource } from '../../../src/kube/kube-source.js';

const cluster: KubeObject = {
  apiVersion: 'postgresql.cnpg.io/v1',
  kind: 'Cluster',
  metadata: { name: 'c1', namespace: 'ns', resourceVersion: '1', uid: 'u1' },
  spec: { instances: 1 },
};

type Emit = (type: WatchEventType, object: KubeObject) => void;

function scriptedApi(): { api: KubeApi; secretReads: () => number; watches: Map<string, Emit> } {
  let reads = 0;
  const watches = new Map<string, Emit>();
  const unused = (): Promise<never> => Promise.reject(new Error('not used by watch()'));
  const open = (signal: AbortSignal): Promise<void> => new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
  const api: KubeApi = {
    namespace: 'ns',
    getCluster: () => Promise.resolve(cluster),
    listCluster: () => Promise.resolve({ items: [cluster], resourceVersion: '1' }),
    // Watch streams that stay open until the caller aborts them.
    watchCluster: (_name, _rv, _onEvent, signal) => open(signal),
    watchNamed: (resource, name, _rv, onEvent, signal) => {
      watches.set(`${resource}/${name}`, onEvent);
      onEvent('ADDED', { metadata: { name, resourceVersion: '5' } });
      return open(signal);
    },
    patchClusterStatus: unused,
    getBackup: unused,
    patchBackupStatus: unused,
    listDatabases: unused,
    watchDatabases: unused,
    patchDatabaseStatus: unused,
    getSecret: (name) => {
      reads += 1;
      return Promise.resolve({ name, data: {}, resourceVersion: '5', annotations: {} });
    },
    serviceAccountExists: () => Promise.resolve(true),
    getConfigMap: () => Promise.resolve(undefined),
    createEvent: () => Promise.resolve(),
    rulesReview: () => Promise.resolve([]),
    leases: { get: unused, create: unused, replace: unused },
  };
  return { api, secretReads: () => reads, watches };
}

test('Secrets are watched by name, not polled; a new version is yielded once; no abort listener piles up', async () => {
  const { api, secretReads, watches } = scriptedApi();
  const source = new KubeSpecSource({ api: () => Promise.resolve(api), clusterName: 'c1', log: pino({ level: 'silent' }), startupTimeoutMs: 1000 });
  await source.load();
  // What the first reconcile does: read the Secrets it uses (version 5, as the watches will report).
  await source.getSecret('c1-server');
  await source.getSecret('c1-app');
  const warnings: Error[] = [];
  const onWarning = (w: Error): void => void warnings.push(w);
  process.on('warning', onWarning);
  const stop = new AbortController();
  const yielded: string[] = [];
  const following = (async () => {
    for await (const c of source.watch(stop.signal, () => undefined)) yielded.push(c.name);
  })();
  try {
    const deadline = Date.now() + 5000;
    while (!watches.has('secrets/c1-app') && Date.now() < deadline) await sleep(5);
    const before = secretReads();
    const app = watches.get('secrets/c1-app');
    assert.ok(app, `watches opened: ${[...watches.keys()].join(', ')}`);
    assert.ok(watches.has('secrets/c1-server') && watches.has('secrets/c1-ca'), `watches opened: ${[...watches.keys()].join(', ')}`);
    await sleep(50);
    assert.deepEqual(yielded, [], 'the versions the reconcile read are no change');
    // 200 changes of the app Secret: each wakes the loop once.
    for (let v = 6; v < 206; v++) {
      app('MODIFIED', { metadata: { name: 'c1-app', resourceVersion: String(v) } });
      await sleep(1);
    }
    while (yielded.length === 0 && Date.now() < deadline) await sleep(5);
    assert.ok(yielded.length >= 1, 'a new Secret version was yielded');
    app('BOOKMARK', { metadata: { resourceVersion: '999' } });
    const count = yielded.length;
    await sleep(50);
    assert.equal(yielded.length, count, 'a bookmark is no change');
    assert.equal(secretReads() - before, 0, 'no Secret GET while following');
    assert.ok(getEventListeners(stop.signal, 'abort').length <= 3, `${getEventListeners(stop.signal, 'abort').length} abort listeners`);
  } finally {
    stop.abort();
    await following;
    process.off('warning', onWarning);
  }
  assert.deepEqual(warnings.map((w) => w.name), []);
});
