// `local-cluster up|switchover <instance>|status`: the embedded default with several instances, one instance
// manager process each, and the operator's part played locally (src/local-cluster/). Ports: instance N of
// the cluster gets --port/--status-port/--metrics-port + N - 1 (5432.., 8000.., 9187.. by default).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildConfig, type Config } from '../config/config.js';
import { EXIT } from '../config/constants.js';
import type { Command, Flags } from '../config/flags.js';
import { ManagerError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { parseClusterManifest } from '../spec/load-manifest.js';
import { parseGoDurationSeconds } from '../spec/go-duration.js';
import type { Cluster } from '../spec/cluster.js';
import { parseStatusText, readStatusText } from '../source/status-file.js';
import { patchStatusFile } from '../source/status-lock.js';
import { switchoverPatch } from '../local-cluster/operator-rules.js';
import { planInstances, type LocalClusterInput } from '../local-cluster/plan.js';
import { probeInstance } from '../local-cluster/probe.js';
import { statusTable } from '../local-cluster/status-table.js';
import { localClusterUp, type UpOptions } from '../local-cluster/up.js';
import { synchronousStandbyConfig } from '../pgfiles/synchronous-standby.js';
import { syncStandbyInput } from '../reconcile/replica-files.js';
import { handleSignals } from '../supervisor/signals.js';
import { becomeRunUser } from './preflight.js';

type Env = Readonly<Record<string, string | undefined>>;

async function loadCluster(config: Config): Promise<Cluster> {
  const path = config.clusterManifest;
  if (!path) throw new ManagerError('USAGE', 'local-cluster needs --cluster-manifest FILE');
  // eslint-disable-next-line security/detect-non-literal-fs-filename -- the manifest named on the command line
  const text = await readFile(path, 'utf8').catch((err: unknown) => {
    throw new ManagerError('INVALID_MANIFEST', `cannot read the Cluster manifest ${path}: ${(err as Error).message}`, { cause: err });
  });
  return parseClusterManifest(text, path, { namespace: config.namespace ?? 'default' });
}

function inputOf(config: Config, cluster: Cluster): LocalClusterInput {
  if (!config.stateDir || !config.secretsDir || !config.configmapsDir || !config.statusFile || !config.clusterManifest) throw new ManagerError('USAGE', 'local-cluster needs --cluster-manifest FILE');
  if (cluster.spec.instances < 2) throw new ManagerError('USAGE', `spec.instances is ${cluster.spec.instances}: local-cluster runs 2 or more instances (use \`instance run\` for one)`);
  return {
    clusterName: cluster.name,
    instances: cluster.spec.instances,
    manifest: config.clusterManifest,
    stateDir: config.stateDir,
    secretsDir: config.secretsDir,
    configmapsDir: config.configmapsDir,
    statusFile: config.statusFile,
    portBase: config.port,
    statusPortBase: config.statusPort,
    metricsPortBase: config.metricsPort,
    logLevel: config.logLevel,
    pgBin: config.pgBin,
  };
}

/** spec.failoverDelay in ms (CNPG: seconds, default 0). */
function failoverDelayMs(cluster: Cluster): number {
  const value = (cluster.raw.spec as Record<string, unknown> | undefined)?.failoverDelay;
  if (typeof value === 'number') return value * 1000;
  return typeof value === 'string' ? (parseGoDurationSeconds(value) ?? 0) * 1000 : 0;
}

// failoverQuorum: what the primary waits for under the status as read, from the same pure function it renders with.
function quorumOf(cluster: Cluster): Pick<UpOptions, 'quorum'> {
  if (cluster.spec.postgresql.synchronous?.failoverQuorum !== true) return {};
  return {
    quorum: (status) => {
      const primary = typeof status.currentPrimary === 'string' ? status.currentPrimary : '';
      const wanted = synchronousStandbyConfig(syncStandbyInput({ ...cluster, status }, primary));
      // The primary's own name (listed last when durability is required) is no standby (CNPG instance_sync.go).
      return wanted && { standbyNames: wanted.names.filter((n) => n !== primary), standbyNumber: wanted.number };
    },
  };
}

/** Runs one `local-cluster` command; resolves with the exit code. */
export async function localClusterCommand(command: Command, args: readonly string[], flags: Flags, env: Env, cwd: string, root: Logger, write: (t: string) => void): Promise<number> {
  const first = buildConfig(command, flags, env, cwd);
  const cluster = await loadCluster(first);
  const stateDir = first.stateDir ?? cwd;
  // The command itself works in instance 1's folders (created for the run user, as `instance run` would).
  const config = buildConfig(command, { ...flags, 'pg-data': join(stateDir, `${cluster.name}-1`, 'pgdata'), 'controller-dir': join(stateDir, `${cluster.name}-1`, 'controller') }, env, cwd);
  const input = inputOf(config, cluster);
  const statusFile = input.statusFile;
  switch (command) {
    case 'local-cluster up': {
      await becomeRunUser(config);
      const signals = handleSignals(() => undefined, () => undefined);
      try {
        await localClusterUp({ input, failoverDelayMs: failoverDelayMs(cluster), node: process.execPath, script: [...process.execArgv, process.argv[1] ?? ''], root, ...quorumOf(cluster) }, signals.stop);
      } finally {
        signals.dispose();
      }
      return EXIT.ok;
    }
    case 'local-cluster switchover': {
      const target = args[0];
      if (args.length !== 1 || target === undefined) throw new ManagerError('USAGE', 'local-cluster switchover takes one instance name');
      // As the run user: the managers must still read and lock the status file this writes.
      await becomeRunUser(config);
      const names = planInstances(input).map((i) => i.name);
      const status = parseStatusText(await readStatusText(statusFile), statusFile);
      let patch;
      try {
        patch = switchoverPatch(names, status, target, Date.now());
      } catch (err) {
        throw new ManagerError('USAGE', `switchover refused: ${(err as Error).message}`);
      }
      await patchStatusFile(statusFile, patch);
      write(`targetPrimary set to ${target}; waiting for it to become the primary\n`);
      const deadline = Date.now() + 120_000;
      while (Date.now() < deadline) {
        const now = parseStatusText(await readStatusText(statusFile), statusFile);
        if (now.currentPrimary === target) {
          write(`${target} is the primary\n`);
          return EXIT.ok;
        }
        await sleep(200);
      }
      write(`${target} did not become the primary within 120 s (see the managers' logs)\n`);
      return EXIT.failure;
    }
    case 'local-cluster status': {
      const instances = planInstances(input);
      const reports = await Promise.all(instances.map((i) => probeInstance(i.name, i.statusPort)));
      write(statusTable(reports, parseStatusText(await readStatusText(statusFile), statusFile)));
      return EXIT.ok;
    }
    default:
      throw new ManagerError('INTERNAL', `not a local-cluster command: ${command}`);
  }
}
