// KubeApi over client-node against the in-repo test API server: merge patches really are merge patches,
// 409s are retried with a fresh version, the watch re-lists after 410, the start-up gate names a missing
// permission, tokens are trimmed and re-read after rotation, and a pending status reaches a returning API.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { createKubeApi } from '../../../src/kube/kube-client.js';
import type { KubeApi, KubeObject } from '../../../src/kube/kube-api.js';
import { watchCluster } from '../../../src/kube/cluster-watch.js';
import { waitForCluster } from '../../../src/kube/startup-gate.js';
import { StatusWriter } from '../../../src/kube/status-writer.js';
import { inClusterSettings } from '../../../src/kube/service-account.js';
import { startTestApiServer, type TestApiServer } from '../../helpers/kube-api-server.js';
import { RESOURCE_TYPES, type ResourceType } from '../../helpers/kube-api-server-store.js';

const clusters = RESOURCE_TYPES.find((t) => t.resource === 'clusters') as ResourceType;
const log = pino({ level: 'silent' });
let server: TestApiServer;
let saDir: string;
let api: KubeApi;

function rules(verbs: string[]): Record<string, unknown>[] {
  return [
    { kind: 'Role', metadata: { name: 'r', namespace: 'ns1' }, rules: [{ apiGroups: ['postgresql.cnpg.io'], resources: ['clusters', 'clusters/status'], verbs, resourceNames: ['c1'] }] },
    { kind: 'RoleBinding', metadata: { name: 'r', namespace: 'ns1' }, roleRef: { kind: 'Role', name: 'r' }, subjects: [{ kind: 'ServiceAccount', name: 'c1', namespace: 'ns1' }] },
  ];
}

async function until(pred: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

before(async () => {
  server = await startTestApiServer({ bookmarkMs: 100 });
  server.store.create(clusters, 'ns1', { metadata: { name: 'c1' }, spec: { instances: 1 } });
  server.rbac.apply(rules(['get', 'list', 'watch', 'patch']));
  saDir = mkdtempSync(join(tmpdir(), 'pgim-sa-'));
  writeFileSync(join(saDir, 'ca.crt'), server.caPem);
  writeFileSync(join(saDir, 'namespace'), 'ns1\n');
  writeFileSync(join(saDir, 'token'), `${server.rbac.issueToken('ns1', 'c1')}\n`);
  api = await createKubeApi(inClusterSettings({ KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: String(server.port) }, saDir), { requestTimeoutMs: 2000, watchTimeoutSeconds: 30 });
});

after(async () => {
  await server.stop();
});

describe('kube client against the test API server', () => {
  it('reads the namespace from the mount and authenticates with a token that ends in a newline', async () => {
    assert.equal(api.namespace, 'ns1');
    const obj = await api.getCluster('c1');
    assert.equal((obj.metadata as { name: string }).name, 'c1');
  });

  it('sends status patches as JSON merge patches (not client-node 1.x default json-patch)', async () => {
    await api.patchClusterStatus('c1', { status: { phase: 'one', phaseReason: 'x' } });
    await api.patchClusterStatus('c1', { status: { phaseReason: null } });
    assert.deepEqual(server.store.get(clusters, 'ns1', 'c1').status, { phase: 'one' });
  });

  it('retries a 409 with a fresh resourceVersion', async () => {
    const stale = (server.store.get(clusters, 'ns1', 'c1').metadata as { resourceVersion: string }).resourceVersion;
    server.store.patch(clusters, 'ns1', 'c1', 'status', 'application/merge-patch+json', { status: { other: 'operator' } });
    const writer = new StatusWriter({ send: (p) => api.patchClusterStatus('c1', p), read: () => api.getCluster('c1'), known: () => ({ metadata: { resourceVersion: stale } }), log });
    const since = server.audit.length;
    await writer.patch({ phase: 'two' }, true);
    const codes = server.audit.slice(since).filter((a) => a.verb === 'patch').map((a) => a.code);
    assert.deepEqual(codes, [409, 200]);
    assert.deepEqual(server.store.get(clusters, 'ns1', 'c1').status, { phase: 'two', other: 'operator' });
  });

  it('follows the Cluster through a 410 Gone with a re-list', async () => {
    const seen: KubeObject[] = [];
    const stop = new AbortController();
    const running = watchCluster({ api, name: 'c1', log, onObject: (o) => seen.push(o), minBackoffMs: 50 }, stop.signal);
    try {
      await until(() => server.audit.some((a) => a.verb === 'watch' && a.code === 200), 5000, 'watch');
      // While the watch is cut off: a change, then compaction past the watch's last version.
      await server.stop();
      server.store.write(clusters, 'ns1', 'c1', '', (c) => ({ ...c, spec: { instances: 2 } }));
      server.store.compact();
      await server.start();
      await until(() => server.audit.filter((a) => a.verb === 'list').length >= 2, 8000, 're-list after 410');
      await until(() => seen.some((o) => (o.spec as { instances: number }).instances === 2), 5000, 'the change');
    } finally {
      stop.abort();
      await running;
    }
  });

  it('picks up a rotated token when the old one is revoked', async () => {
    const previous = readFileSync(join(saDir, 'token'), 'utf8').trim();
    const next = server.rbac.issueToken('ns1', 'c1');
    writeFileSync(join(saDir, 'token.new'), next);
    renameSync(join(saDir, 'token.new'), join(saDir, 'token'));
    server.rbac.revokeToken(previous);
    const obj = await api.getCluster('c1');
    assert.equal((obj.metadata as { name: string }).name, 'c1');
    assert.equal(server.audit.at(-1)?.code, 200);
  });

  it('re-sends a pending status patch once the API server is back', async () => {
    const writer = new StatusWriter({ send: (p) => api.patchClusterStatus('c1', p), read: () => api.getCluster('c1'), known: () => undefined, log, maxRetryMs: 300 });
    await server.stop();
    await writer.patch({ phase: 'while-down' }, false);
    await server.start();
    await until(() => (server.store.get(clusters, 'ns1', 'c1').status as { phase?: string }).phase === 'while-down', 5000, 'converged status');
    writer.stop();
  });

  it('start-up gate: a 403 names the missing permission', async () => {
    server.rbac.setRoleRules('ns1', 'r', []);
    try {
      await assert.rejects(waitForCluster({ api, name: 'c1', log, timeoutMs: 600 }), /needs "get" on "clusters" in API group "postgresql.cnpg.io".*cannot get resource "clusters"/);
    } finally {
      server.rbac.apply(rules(['get', 'list', 'watch', 'patch']));
    }
  });
});
