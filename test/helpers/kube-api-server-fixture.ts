// A namespace on the test API server as the operator would leave it for one Cluster: the Cluster object,
// its Secrets (CA, server and replication certificates, app credentials), the RBAC objects printed by the
// real `rbac` command, and a ServiceAccount mount (token, ca.crt, namespace) for the manager to use.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { provisionLocalSecrets } from '../../src/tls/provision-local.js';
import type { SecretObject } from '../../src/model/objects.js';
import { managerEntry } from './launch.js';
import { MAIN_JS, PG_BIN, followJsonLines, freePort, manifest, tempDir, type LogLine } from './manager.js';
import { startTestApiServer, type TestApiServer } from './kube-api-server.js';
import { RESOURCE_TYPES, type ResourceType } from './kube-api-server-store.js';
import { createChildRegistry } from '../../src/supervisor/child-registry.js';

/** A resource type of the test server by plural name. */
export function typeOf(resource: string): ResourceType {
  const t = RESOURCE_TYPES.find((r) => r.resource === resource);
  if (!t) throw new Error(`unknown resource ${resource}`);
  return t;
}

export interface KubeFixture {
  server: TestApiServer;
  dir: string;
  saDir: string;
  namespace: string;
  clusterName: string;
  manifestPath: string;
  rbacYaml: string;
  token: string;
  /** Replaces the token file with a new valid token and revokes the old one. */
  rotateToken(): string;
  readSecret(name: string): SecretObject | undefined;
}

/** Sets up the namespace; `specYaml` is spliced into the Cluster's spec. */
export async function kubeFixture(options: { namespace?: string; clusterName?: string; specYaml?: string; server?: TestApiServer } = {}): Promise<KubeFixture> {
  const namespace = options.namespace ?? 'ns1';
  const clusterName = options.clusterName ?? 'c1';
  const server = options.server ?? (await startTestApiServer({ bookmarkMs: 500 }));
  const dir = tempDir('pgim-kube-');
  // The pod's volume belongs to postgres (fsGroup): a manager started as root hands over only folders it creates.
  if (process.getuid?.() === 0) chownSync(dir, postgresId('-u'), postgresId('-g'));
  const manifestPath = join(dir, `${clusterName}.yaml`);
  const text = manifest(clusterName, options.specYaml ?? '');
  writeFileSync(manifestPath, text);
  server.store.create(typeOf('clusters'), namespace, parse(text) as Record<string, unknown>);
  // As the operator does before it creates the first pod: it chooses the primary (the manager never does).
  server.store.patch(typeOf('clusters'), namespace, clusterName, 'status', 'application/merge-patch+json', { status: { targetPrimary: `${clusterName}-1` } });

  const readSecret = (name: string): SecretObject | undefined => {
    const found = server.store.list(typeOf('secrets'), namespace, name)[0];
    if (!found) return undefined;
    const data: Record<string, Buffer> = {};
    // eslint-disable-next-line security/detect-object-injection -- copying a decoded map
    for (const [k, v] of Object.entries((found.data ?? {}) as Record<string, string>)) data[k] = Buffer.from(v, 'base64');
    const md = found.metadata as { resourceVersion: string; annotations?: Record<string, string> };
    return { name, data, resourceVersion: md.resourceVersion, annotations: md.annotations ?? {} };
  };
  const silent = { info: () => undefined, warn: () => undefined };
  await provisionLocalSecrets({
    clusterName,
    appUser: 'app',
    appDatabase: 'app',
    getSecret: (name) => Promise.resolve(readSecret(name)),
    createSecret: (name, data) => {
      const encoded = Object.fromEntries(Object.entries(data).map(([k, v]) => [k, v.toString('base64')]));
      server.store.create(typeOf('secrets'), namespace, { metadata: { name }, type: 'Opaque', data: encoded });
      return Promise.resolve();
    },
    log: silent,
    registry: createChildRegistry(),
    days: 2,
  });

  const rbacYaml = execFileSync(process.execPath, [MAIN_JS, 'rbac', '--cluster', manifestPath, '--namespace', namespace], { encoding: 'utf8' });
  server.rbac.apply(rbacYaml);
  for (const doc of parseAllDocuments(rbacYaml).map((d) => d.toJS() as Record<string, unknown>)) {
    if (doc.kind === 'ServiceAccount') server.store.create(typeOf('serviceaccounts'), namespace, doc);
  }
  const saName = (parseAllDocuments(rbacYaml).map((d) => d.toJS() as { kind: string; subjects?: { name: string }[] }).find((d) => d.kind === 'RoleBinding')?.subjects ?? [])[0]?.name ?? clusterName;

  const saDir = join(dir, 'serviceaccount');
  mkdirSync(saDir, { mode: 0o755 });
  writeFileSync(join(saDir, 'ca.crt'), server.caPem, { mode: 0o644 });
  writeFileSync(join(saDir, 'namespace'), namespace, { mode: 0o644 });
  let token = server.rbac.issueToken(namespace, saName);
  // With the trailing newline a kubelet-written file may have: the client must trim it.
  writeFileSync(join(saDir, 'token'), `${token}\n`, { mode: 0o644 });
  const fixture: KubeFixture = {
    server,
    dir,
    saDir,
    namespace,
    clusterName,
    manifestPath,
    rbacYaml,
    token,
    rotateToken() {
      const next = server.rbac.issueToken(namespace, saName);
      // Atomic replace, as the kubelet's projected volume does (a new file behind the same name).
      writeFileSync(join(saDir, 'token.new'), next, { mode: 0o644 });
      execFileSync('mv', ['-f', join(saDir, 'token.new'), join(saDir, 'token')]);
      server.rbac.revokeToken(token);
      token = next;
      fixture.token = next;
      return next;
    },
    readSecret,
  };
  return fixture;
}

export interface KubeManager {
  proc: ChildProcess;
  lines: LogLine[];
  port: number;
  exited: Promise<number | null>;
  waitForLine(pred: (l: LogLine) => boolean, timeoutMs?: number, what?: string): Promise<LogLine>;
  stop(): Promise<number | null>;
  stderr(): string;
}

/** Another instance of the fixture's Cluster: its pod name, its own folder and ServiceAccount mount, the API address it uses. */
export interface KubeInstanceOptions {
  podName?: string;
  dir?: string;
  saDir?: string;
  apiPort?: number;
}

/** Runs `instance init`, `join`, `restore` or `run` with the Kubernetes source against the fixture (instance -1 unless `o` says). */
export async function runKubeManager(
  f: KubeFixture,
  command: 'init' | 'join' | 'run' | 'restore' | 'restoresnapshot',
  extraArgs: string[] = [],
  port?: number,
  o: KubeInstanceOptions = {},
): Promise<KubeManager> {
  const dir = o.dir ?? f.dir;
  const pgPort = port ?? (await freePort());
  const args = [
    ...managerEntry(), 'instance', command,
    '--pg-data', join(dir, 'pgdata'), '--controller-dir', join(dir, 'controller'),
    '--cluster-name', f.clusterName, '--pod-name', o.podName ?? `${f.clusterName}-1`, '--kube-sa-dir', o.saDir ?? f.saDir,
    '--port', String(pgPort), '--listen-addresses', '127.0.0.1',
    '--status-port', String(await freePort()), '--metrics-port', String(await freePort()),
    ...extraArgs,
  ];
  const env = { ...process.env, PGDATA: '', NAMESPACE: '', PG_BIN, KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: String(o.apiPort ?? f.server.port) };
  const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
  const output = followJsonLines(proc);
  const exited = output.exited.then((r) => r.code);
  return {
    proc,
    lines: output.lines,
    port: pgPort,
    exited,
    stderr: output.stderr,
    waitForLine: output.waitForLine,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 60_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

function postgresId(flag: '-u' | '-g'): number {
  return Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
}
