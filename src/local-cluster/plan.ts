// Where each instance of the local cluster lives: `<cluster>-N` (N = 1..instances) on port base+N-1 for
// postgres, status and metrics (5432.., 8000.., 9187.. by default), with its own PGDATA and controller folder
// under the state folder, and the secrets, ConfigMaps and status file shared (they stand in for the one
// Cluster's objects). Pure: the plan is unit-tested and the argv built from it.
import { join } from 'node:path';

export interface LocalClusterInput {
  clusterName: string;
  instances: number;
  manifest: string;
  stateDir: string;
  secretsDir: string;
  configmapsDir: string;
  statusFile: string;
  portBase: number;
  statusPortBase: number;
  metricsPortBase: number;
  logLevel: string;
  runAs?: string;
  pgBin: string;
}

export interface LocalInstance {
  name: string;
  ordinal: number;
  pgData: string;
  controllerDir: string;
  port: number;
  statusPort: number;
  metricsPort: number;
}

/** The instances, in order. */
export function planInstances(input: LocalClusterInput): LocalInstance[] {
  const out: LocalInstance[] = [];
  for (let n = 1; n <= input.instances; n++) {
    const name = `${input.clusterName}-${n}`;
    out.push({
      name,
      ordinal: n,
      pgData: join(input.stateDir, name, 'pgdata'),
      controllerDir: join(input.stateDir, name, 'controller'),
      port: input.portBase + n - 1,
      statusPort: input.statusPortBase + n - 1,
      metricsPort: input.metricsPortBase + n - 1,
    });
  }
  for (const i of out) {
    if (Math.max(i.port, i.statusPort, i.metricsPort) > 65535) throw new Error(`the ports of ${i.name} go past 65535: lower the port bases`);
  }
  return out;
}

/** `instance run` argv (after the node binary and script) of one instance. */
export function instanceArgv(input: LocalClusterInput, i: LocalInstance): string[] {
  return [
    'instance',
    'run',
    '--cluster-manifest', input.manifest,
    '--state-dir', input.stateDir,
    '--pg-data', i.pgData,
    '--controller-dir', i.controllerDir,
    '--secrets-dir', input.secretsDir,
    '--configmaps-dir', input.configmapsDir,
    '--status-file', input.statusFile,
    '--pod-name', i.name,
    '--port', String(i.port),
    '--status-port', String(i.statusPort),
    '--metrics-port', String(i.metricsPort),
    '--peer-port-base', String(input.portBase),
    '--log-level', input.logLevel,
    '--pg-bin', input.pgBin,
    ...(input.runAs ? ['--run-as', input.runAs] : []),
  ];
}

/** libpq's multi-host form: every instance, and only the read-write one accepted (target_session_attrs). */
export function multiHostConninfo(instances: readonly LocalInstance[], extra = ''): string {
  const hosts = instances.map(() => 'localhost').join(',');
  const ports = instances.map((i) => String(i.port)).join(',');
  return `host=${hosts} port=${ports} target_session_attrs=read-write${extra ? ` ${extra}` : ''}`;
}
