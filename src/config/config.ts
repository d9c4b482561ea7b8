// env + flags -> one frozen, validated Config. Flags win over env, env over defaults; errors name the flag or variable.
import { resolve } from 'node:path';
import { ManagerError } from '../errors.js';
import { LOG_LEVELS, type LogLevel } from './log-levels.js';
import { CONTAINER_PATHS, DEFAULT_PG_BIN, DEFAULT_SA_DIR, PORTS, controllerPaths, type ControllerPaths } from './constants.js';
import type { Command, Flags, FlagName } from './flags.js';

/** Where the Cluster comes from: a manifest file (embedded default) or the Kubernetes API. */
export type SourceKind = 'file' | 'kube';

export interface Config {
  command: Command;
  source: SourceKind;
  pgData: string;
  /** pg_wal's own folder, used when spec.walStorage is set (pg_wal is then a symlink to it). */
  pgWal: string;
  /** Tablespace <name> lives in <tablespacesDir>/<name>/data. */
  tablespacesDir: string;
  /** Embedded default: the folder whose subfolder <name> stands in for VolumeSnapshot <name>. */
  volumeSnapshotsDir?: string;
  podName?: string;
  clusterName?: string;
  namespace?: string;
  logLevel: LogLevel;
  statusPortTls: boolean;
  metricsPortTls: boolean;
  clusterManifest?: string;
  secretsDir?: string;
  /** Embedded default: one folder per ConfigMap, one file per key (metrics custom queries). */
  configmapsDir?: string;
  stateDir?: string;
  statusFile?: string;
  controller: ControllerPaths;
  runAs: string;
  pgBin: string;
  port: number;
  listenAddresses: string;
  statusPort: number;
  metricsPort: number;
  onPostmasterExit: 'restart' | 'exit';
  /** Kubernetes source: the ServiceAccount mount and the start-up gate deadline in seconds. */
  kubeSaDir: string;
  kubeStartupTimeout: number;
  /** Liveness isolation check: the peers' status port when it is not ours (tests: peers on 127.0.0.x). */
  peerStatusPort?: number;
  /** Where the primary is reached (src/config/primary-address.ts): --primary-host, --peer-port-base. */
  primaryHost?: string;
  /** --primary-port: the `<cluster>-rw` Service's port in Kubernetes (default 5432). */
  primaryPort: number;
  peerPortBase: number;
  /** Running in our container image (PGIM_CONTAINER=1, set by the Dockerfile): root is refused there. */
  inImage: boolean;
}

type Env = Readonly<Record<string, string | undefined>>;

function pick(flags: Flags, flag: FlagName, env: Env, variable?: string): string | undefined {
  // eslint-disable-next-line security/detect-object-injection -- flag is a FlagName literal type
  const value = flags[flag];
  if (typeof value === 'string') {
    if (value === '') throw new ManagerError('USAGE', `--${flag}: empty value`);
    return value;
  }
  if (variable !== undefined) {
    // eslint-disable-next-line security/detect-object-injection -- variable is one of our fixed env names
    const fromEnv = env[variable];
    if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  }
  return undefined;
}

function port(flags: Flags, flag: FlagName, env: Env, variable: string | undefined, fallback: number): number {
  const text = pick(flags, flag, env, variable);
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > 65535) {
    throw new ManagerError('USAGE', `--${flag}${variable ? `/${variable}` : ''}: not a TCP port: '${text}'`);
  }
  return n;
}

function seconds(flags: Flags, flag: FlagName, env: Env, fallback: number): number {
  const text = pick(flags, flag, env);
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text) || Number(text) < 1) throw new ManagerError('USAGE', `--${flag}: not a number of seconds: '${text}'`);
  return Number(text);
}

function logLevel(flags: Flags, env: Env): LogLevel {
  const text = pick(flags, 'log-level', env, 'LOG_LEVEL') ?? 'info';
  const level = LOG_LEVELS.find((l) => l === text);
  if (!level) throw new ManagerError('USAGE', `--log-level: '${text}' is not one of ${LOG_LEVELS.join(', ')}`);
  return level;
}

/** Builds the frozen Config of one invocation. `cwd` anchors relative paths. */
export function buildConfig(command: Command, flags: Flags, env: Env, cwd: string): Config {
  const manifest = pick(flags, 'cluster-manifest', env);
  const source: SourceKind = manifest ? 'file' : 'kube';
  const local = source === 'file';
  const stateDir = local ? resolve(cwd, pick(flags, 'state-dir', env) ?? '.state') : undefined;
  const under = (p: string): string => resolve(stateDir ?? cwd, p);
  // Locally the PGDATA variable of the user's shell is ignored (only --pg-data counts): it may point at
  // another cluster of theirs, which the embedded default must never adopt or reconfigure.
  const pgData = local ? (pick(flags, 'pg-data', env) ?? under('pgdata')) : (pick(flags, 'pg-data', env, 'PGDATA') ?? CONTAINER_PATHS.pgData);
  const controllerRoot = pick(flags, 'controller-dir', env) ?? (local ? under('controller') : CONTAINER_PATHS.controller);
  const exitPolicy = pick(flags, 'on-postmaster-exit', env) ?? (local ? 'restart' : 'exit');
  if (exitPolicy !== 'restart' && exitPolicy !== 'exit') {
    throw new ManagerError('USAGE', `--on-postmaster-exit: '${exitPolicy}' is not one of restart, exit`);
  }
  const config: Config = {
    command,
    source,
    pgData: resolve(cwd, pgData),
    pgWal: resolve(cwd, pick(flags, 'pg-wal', env) ?? (local ? under('pg_wal') : CONTAINER_PATHS.pgWal)),
    tablespacesDir: resolve(cwd, pick(flags, 'tablespaces-dir', env) ?? (local ? under('tablespaces') : CONTAINER_PATHS.tablespaces)),
    volumeSnapshotsDir: local ? resolve(cwd, pick(flags, 'volume-snapshots-dir', env) ?? under('volume-snapshots')) : undefined,
    podName: pick(flags, 'pod-name', env, 'POD_NAME'),
    clusterName: pick(flags, 'cluster-name', env, 'CLUSTER_NAME'),
    namespace: pick(flags, 'namespace', env, 'NAMESPACE'),
    logLevel: logLevel(flags, env),
    statusPortTls: flags['status-port-tls'] === true || local,
    metricsPortTls: flags['metrics-port-tls'] === true,
    clusterManifest: manifest ? resolve(cwd, manifest) : undefined,
    secretsDir: local ? resolve(cwd, pick(flags, 'secrets-dir', env) ?? under('secrets')) : undefined,
    configmapsDir: local ? resolve(cwd, pick(flags, 'configmaps-dir', env) ?? under('configmaps')) : undefined,
    stateDir,
    statusFile: local ? resolve(cwd, pick(flags, 'status-file', env) ?? under('status.json')) : undefined,
    controller: controllerPaths(resolve(cwd, controllerRoot)),
    runAs: pick(flags, 'run-as', env) ?? 'postgres',
    pgBin: pick(flags, 'pg-bin', env, 'PG_BIN') ?? DEFAULT_PG_BIN,
    port: port(flags, 'port', env, 'PGPORT', PORTS.postgres),
    listenAddresses: pick(flags, 'listen-addresses', env) ?? (local ? '127.0.0.1' : '*'),
    statusPort: port(flags, 'status-port', env, undefined, PORTS.status),
    metricsPort: port(flags, 'metrics-port', env, undefined, PORTS.metrics),
    onPostmasterExit: exitPolicy,
    kubeSaDir: resolve(cwd, pick(flags, 'kube-sa-dir', env) ?? DEFAULT_SA_DIR),
    kubeStartupTimeout: seconds(flags, 'kube-startup-timeout', env, 40),
    peerStatusPort: pick(flags, 'peer-status-port', env) === undefined ? undefined : port(flags, 'peer-status-port', env, undefined, PORTS.status),
    primaryHost: pick(flags, 'primary-host', env),
    primaryPort: port(flags, 'primary-port', env, undefined, PORTS.postgres),
    peerPortBase: port(flags, 'peer-port-base', env, undefined, PORTS.postgres),
    inImage: env.PGIM_CONTAINER === '1',
  };
  if (config.controller.run.length > 90) {
    // sun_path is 108 bytes; postgres appends "/.s.PGSQL.NNNNN.lock".
    throw new ManagerError('USAGE', `--controller-dir: socket directory ${config.controller.run} is too long for a Unix socket`);
  }
  return Object.freeze(config);
}
