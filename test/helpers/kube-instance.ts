// One Kubernetes-mode instance against the test API server, as the kube integration tests share it: set up by
// `instance init` then `instance run`, with the spec edits and reads those tests make through the API.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import pg from 'pg';
import { kubeFixture, runKubeManager, typeOf, type KubeFixture, type KubeManager } from './kube-api-server-fixture.js';
import { waitUntil } from './lifecycle-procs.js';
import { processesMentioning } from './manager.js';

export interface KubeInstance {
  f: KubeFixture;
  m: KubeManager;
}

/** `instance init`, then `instance run` until ready and its status carries `phase` (any, when undefined). */
export async function startKubeInstance(phase?: string): Promise<KubeInstance> {
  const f = await kubeFixture();
  const init = await runKubeManager(f, 'init');
  assert.equal(await init.exited, 0, init.stderr());
  const m = await runKubeManager(f, 'run');
  await m.waitForLine((l) => l.msg === 'instance ready', 60_000, 'instance ready');
  await waitUntil(() => {
    const seen = clusterStatus(f).phase;
    return phase === undefined ? seen !== undefined : seen === phase;
  }, 10_000, phase ?? 'status');
  return { f, m };
}

/** Stops the manager, anything left of it, and the API server; removes the fixture's folder. */
export async function stopKubeInstance(i: KubeInstance | undefined): Promise<void> {
  if (!i) return;
  await i.m.stop();
  for (const pid of processesMentioning(i.f.dir)) process.kill(pid, 'SIGKILL');
  await i.f.server.stop();
  rmSync(i.f.dir, { recursive: true, force: true });
}

/** The Cluster's status as the API server holds it. */
export function clusterStatus(f: KubeFixture): Record<string, unknown> {
  return (f.server.store.get(typeOf('clusters'), f.namespace, f.clusterName).status ?? {}) as Record<string, unknown>;
}

/** A merge patch of the Cluster's spec, as the operator (or a user) would send it. */
export function patchSpec(f: KubeFixture, spec: Record<string, unknown>): void {
  f.server.store.patch(typeOf('clusters'), f.namespace, f.clusterName, '', 'application/merge-patch+json', { spec });
}

/** How many reloads the manager has logged. */
export function reloads(m: KubeManager): number {
  return m.lines.filter((l) => l.msg === 'configuration reloaded').length;
}

/** Runs SQL as the app owner on the instance listening on `port`, over TLS with the Cluster's CA. */
export async function ownerSql<T extends pg.QueryResultRow>(f: KubeFixture, port: number, text: string, params: unknown[] = []): Promise<T[]> {
  const secret = f.readSecret(`${f.clusterName}-app`);
  const ca = f.readSecret(`${f.clusterName}-ca`);
  const client = new pg.Client({
    host: '127.0.0.1',
    port,
    user: secret?.data.username?.toString() ?? 'app',
    password: secret?.data.password?.toString() ?? '',
    database: 'app',
    ssl: { ca: ca?.data['ca.crt']?.toString() ?? '', servername: 'localhost' },
    connectionTimeoutMillis: 5000,
  });
  await client.connect();
  try {
    return (await client.query<T>(text, params)).rows;
  } finally {
    await client.end();
  }
}

/** A setting as the owner sees it, over TLS with the cluster's CA. */
export async function showSetting(i: KubeInstance, setting: string): Promise<string> {
  return (await ownerSql<{ v: string }>(i.f, i.m.port, 'SELECT current_setting($1) AS v', [setting]))[0]?.v ?? '';
}
