// Three instances of one Cluster in Kubernetes mode against the test API server, as the operator would run
// them: each with its own folder, pod name, ServiceAccount mount (its own token for the ServiceAccount and
// Role printed by `rbac`) and its own link to the API server (a TCP forwarder the test can cut); replicas
// reach the primary through a stand-in for the `<cluster>-rw` Service that the test points at the primary.
import { execFileSync } from 'node:child_process';
import { chownSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { kubeFixture, runKubeManager, typeOf, type KubeFixture, type KubeManager } from './kube-api-server-fixture.js';
import { freePort, processesMentioning, tempDir } from './manager.js';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.js';
import { ownerSql } from './kube-instance.js';

export interface TrioNode {
  name: string;
  dir: string;
  saDir: string;
  port: number;
  /** This instance's link to the API server. */
  api: TcpProxy;
  m?: KubeManager;
}

export interface KubeTrio {
  f: KubeFixture;
  /** The `<cluster>-rw` Service stand-in. */
  rw: TcpProxy;
  nodes: TrioNode[];
}

const id = (flag: '-u' | '-g'): number => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());

/** The namespace, the Cluster (3 instances, instanceNames set, targetPrimary -1) and three instance slots. */
export async function kubeTrio(): Promise<KubeTrio> {
  const f = await kubeFixture({ specYaml: 'replicationSlots:\n  updateInterval: 1' });
  const names = [1, 2, 3].map((n) => `${f.clusterName}-${n}`);
  f.server.store.patch(typeOf('clusters'), f.namespace, f.clusterName, '', 'application/merge-patch+json', { spec: { instances: 3 } });
  setStatus(f, { instanceNames: names });
  const nodes: TrioNode[] = [];
  for (const [i, name] of names.entries()) {
    const dir = i === 0 ? f.dir : tempDir('pgim-kube-');
    let saDir = f.saDir;
    if (i > 0) {
      if (process.getuid?.() === 0) chownSync(dir, id('-u'), id('-g'));
      saDir = join(dir, 'serviceaccount');
      mkdirSync(saDir, { mode: 0o755 });
      writeFileSync(join(saDir, 'ca.crt'), f.server.caPem, { mode: 0o644 });
      writeFileSync(join(saDir, 'namespace'), f.namespace, { mode: 0o644 });
      writeFileSync(join(saDir, 'token'), f.server.rbac.issueToken(f.namespace, f.clusterName), { mode: 0o644 });
    }
    nodes.push({ name, dir, saDir, port: await freePort(), api: await startTcpProxy(f.server.port) });
  }
  const rw = await startTcpProxy(nodes[0]?.port ?? 0);
  return { f, rw, nodes };
}

/** Runs `instance <command>` for one instance (the primary reached through the `-rw` stand-in). */
export async function runNode(t: KubeTrio, node: TrioNode, command: 'init' | 'join' | 'run'): Promise<KubeManager> {
  const m = await runKubeManager(t.f, command, ['--primary-host', '127.0.0.1', '--primary-port', String(t.rw.port)], node.port, {
    podName: node.name,
    dir: node.dir,
    saDir: node.saDir,
    apiPort: node.api.port,
  });
  if (command === 'run') node.m = m;
  return m;
}

/** Merge-patches the Cluster's status, as the operator does. */
export function setStatus(f: KubeFixture, status: Record<string, unknown>): void {
  f.server.store.patch(typeOf('clusters'), f.namespace, f.clusterName, 'status', 'application/merge-patch+json', { status });
}

/** The Cluster's status as the API server holds it. */
export function statusOf(f: KubeFixture): Record<string, unknown> {
  return (f.server.store.get(typeOf('clusters'), f.namespace, f.clusterName).status ?? {}) as Record<string, unknown>;
}

/** The primary Lease's spec, or undefined while there is none. */
export function leaseOf(f: KubeFixture): Record<string, unknown> | undefined {
  const found = f.server.store.list(typeOf('leases'), f.namespace, f.clusterName)[0];
  return found ? (found.spec as Record<string, unknown>) : undefined;
}

/** Runs SQL as the app owner on one instance, over TLS with the Cluster's CA. */
export async function sql<T extends pg.QueryResultRow>(t: KubeTrio, node: TrioNode, text: string): Promise<T[]> {
  return ownerSql<T>(t.f, node.port, text);
}

/** Stops every manager, anything left of them, the forwarders and the API server; removes the folders. */
export async function stopTrio(t: KubeTrio | undefined): Promise<void> {
  if (!t) return;
  await Promise.all(t.nodes.map((n) => (n.m ? n.m.stop() : Promise.resolve(null))));
  for (const n of t.nodes) for (const pid of processesMentioning(n.dir)) process.kill(pid, 'SIGKILL');
  await Promise.all([t.rw.close(), ...t.nodes.map((n) => n.api.close())]);
  await t.f.server.stop();
  for (const n of t.nodes) rmSync(n.dir, { recursive: true, force: true });
}
