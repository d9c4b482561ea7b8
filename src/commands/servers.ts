// The status (:8000) and metrics (:9187) servers of `instance run`. Their modules (express, prom-client)
// are loaded only once the postmaster has been spawned, so postgres starts while they load instead of after.
import { join } from 'node:path';
import type { Config } from '../config/config.js';
import { TLS_FILES } from '../config/constants.js';
import { describeError } from '../errors.js';
import { child, type Logger } from '../log/logger.js';
import type { InstanceState } from '../model/instance-state.js';
import type { Cluster } from '../spec/cluster.js';
import type { SpecSource } from '../source/spec-source.js';
import type { ChildRegistry } from '../supervisor/child-registry.js';
import { readControlData } from '../supervisor/controldata.js';
import type { FenceSwitch } from '../supervisor/fence-switch.js';
import type { Lifecycle } from '../supervisor/lifecycle.js';
import { archivePartialRoute } from './archive-partial-route.js';

export interface ServersOptions {
  config: Config;
  state: InstanceState;
  lifecycle: Lifecycle;
  cluster: () => Cluster | undefined;
  source: SpecSource;
  registry: ChildRegistry;
  root: Logger;
  /** A stop was asked: servers still loading then never start listening (the manager is about to exit). */
  stopAsked?: AbortSignal;
  /** This instance's fencing, for /pg/archive/partial. */
  fencing?: FenceSwitch;
}

export interface Servers {
  /** Closes the status and metrics servers' sessions (a smart shutdown waits for every session). */
  closeConnections(): Promise<void>;
  /** Settles once both servers have stopped after `signal` aborted. */
  done: Promise<void>;
}

const NOT_STARTED: Servers = { closeConnections: () => Promise.resolve(), done: Promise.resolve() };

/** Loads and starts both servers; resolves once the status port is bound (or at once when a stop was asked). */
export async function startServers(options: ServersOptions, signal: AbortSignal): Promise<Servers> {
  const { config, state, lifecycle, cluster, source, registry, root } = options;
  const [{ StatusServer }, { MetricsExporter }, { IsolationChecker, hasApiProbe }] = await Promise.all([
    import('../status/status-server.js'),
    import('../metrics/metrics-exporter.js'),
    import('../status/isolation-check.js'),
  ]);
  // --- liveness isolation check: only the Kubernetes source can tell whether the API answers ---
  const isolation = hasApiProbe(source)
    ? new IsolationChecker({ api: source, pgData: config.pgData, caFile: join(config.controller.certificates, TLS_FILES.serverCa), peerPort: config.peerStatusPort ?? config.statusPort, log: child(root, 'liveness') })
    : undefined;
  const status = new StatusServer({
    config,
    state,
    lifecycle,
    cluster,
    controlData: () => readControlData(config.pgBin, config.pgData, registry),
    root,
    ...(isolation ? { isolationCheck: (c: Cluster) => isolation.check(c) } : {}),
    ...backupObjectState(source),
    ...(options.fencing ? { archivePartial: archivePartialRoute({ config, source, state, registry, root, fencing: options.fencing, lifecycle }) } : {}),
  });
  const metrics = new MetricsExporter({ config, state, lifecycle, cluster, source, root });
  if (options.stopAsked?.aborted) return NOT_STARTED;
  await status.listen(signal);
  const metricsDone = metrics.start(signal).catch((err: unknown) => child(root, 'metrics').error({ err: describeError(err) }, 'metrics server failed'));
  return {
    closeConnections: async () => {
      await Promise.all([status.closeConnections(), metrics.closeConnections()]);
    },
    done: metricsDone,
  };
}

// Kubernetes: /pg/mode/backup's janitor reads the Backup object (kube-source.ts getBackup); done = completed or
// failed (api/v1 BackupStatus.IsDone). Other sources have no Backup objects from an operator.
function backupObjectState(source: SpecSource): { backupObject?: (name: string) => Promise<'gone' | 'done' | 'present' | 'unknown'> } {
  const reader = source as Partial<{ getBackup: (name: string) => Promise<Record<string, unknown> | undefined> }>;
  const getBackup = reader.getBackup;
  if (typeof getBackup !== 'function') return {};
  return {
    backupObject: async (name) => {
      try {
        const backup = await getBackup.call(source, name);
        if (!backup) return 'gone';
        const phase = (backup.status as { phase?: unknown } | undefined)?.phase;
        return phase === 'completed' || phase === 'failed' ? 'done' : 'present';
      } catch {
        return 'unknown';
      }
    },
  };
}
