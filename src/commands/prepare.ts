// What `instance run` and `instance init` do before any part starts: load the Cluster, check the ports,
// become the run user, and build the objects the parts share (instance state, reconciler, database access).
// Every refusal here comes before anything is written.
import { isFenced } from '../spec/fencing.js';
import { FenceSwitch } from '../supervisor/fence-switch.js';
import type { Config } from '../config/config.js';
import { ManagerError } from '../errors.js';
import { child, type Logger } from '../log/logger.js';
import { createLazyDb, type LazyDb } from '../db/lazy-db.js';
import { inspectPgData, readPgMajor, type PgDataState } from '../bootstrap/initdb.js';
import { removeInitdbLeftovers } from '../bootstrap/initdb-leftovers.js';
import { checkWalLayout } from '../bootstrap/wal-layout.js';
import { removeExtraLeftovers } from './extra-leftovers.js';
import { createInstanceState, type InstanceState } from '../model/instance-state.js';
import type { Reconciler } from '../reconcile/reconciler.js';
import type { ReplicationContext } from '../reconcile/replica-files.js';
import type { Cluster } from '../spec/cluster.js';
import type { SpecSource } from '../source/spec-source.js';
import { createChildRegistry, type ChildRegistry } from '../supervisor/child-registry.js';
import { inspectPidFile } from '../supervisor/pidfile.js';
import type { StopBudget } from '../supervisor/stop.js';
import { statusListenHost } from '../status/listen-host.js';
import { assertPortFree, becomeRunUser } from './preflight.js';
import { bindHosts } from '../config/bind-hosts.js';
import { createSpecSource, localSecretUpkeep } from './source-setup.js';

/** Who this instance is and how it reaches its primary (reconcile's override.conf, `instance join`). */
export function replicationContext(config: Config, podName: string): ReplicationContext {
  return { podName, source: config.source, primaryHost: config.primaryHost, primaryPort: config.primaryPort, peerPortBase: config.peerPortBase, certificatesDir: config.controller.certificates, externalDir: config.controller.external };
}

export interface Prepared {
  config: Config;
  root: Logger;
  source: SpecSource;
  /** The Cluster as loaded at start. */
  cluster: Cluster;
  registry: ChildRegistry;
  state: InstanceState;
  db: LazyDb;
  pgState: PgDataState;
  /** The reconciler, made once PGDATA exists (it renders for PGDATA's major version). */
  reconciler: () => Promise<Reconciler>;
  /** Starts loading the reconciler's code (a first start calls it once initdb runs). */
  preload: () => void;
  /** Logs each of a Cluster version's warnings (an unknown field) once, at the load that first has it. */
  warnOnce: (cluster: Cluster) => Cluster;
  /** The shutdown and start-up budget of the Cluster in force. */
  budget: () => StopBudget & { startDelay: number };
  /** This instance's fencing (cnpg.io/fencedInstances), set from each Cluster version; the lifecycle keeps postgres down while on. */
  fencing: FenceSwitch;
}

/** Loads, checks and becomes the run user; `serves` is false for `instance init` (no status port). */
// Imported when first needed, not at the top: the reconciler and the renderers behind it are first used once
// PGDATA exists, so a first start spawns initdb without evaluating them (scripts/bench/lifecycle, row 1a).
const reconcilerModule = (): Promise<typeof import('../reconcile/reconciler.js')> => import('../reconcile/reconciler.js');

export async function prepareInstance(config: Config, root: Logger, serves: boolean): Promise<Prepared> {
  const source = await createSpecSource(config, root);
  const log = child(root, 'instance');
  const warned = new Set<string>();
  const warnOnce = (c: Cluster): Cluster => {
    for (const warning of c.warnings ?? []) {
      if (!warned.has(warning)) log.warn({ source: source.description }, warning);
      warned.add(warning);
    }
    return c;
  };
  const cluster = warnOnce(await source.load());
  if (config.clusterName && config.clusterName !== cluster.name) {
    throw new ManagerError('USAGE', `--cluster-name ${config.clusterName} does not match metadata.name ${cluster.name} of the manifest`);
  }
  // Before anything is created: ports found taken later would stop a start half-way. (The postgres port is
  // not checked when a live postmaster of this PGDATA will be adopted.)
  if ((await inspectPidFile(config.pgData).catch(() => undefined))?.kind !== 'live') {
    for (const host of bindHosts(config.listenAddresses)) await assertPortFree(config.port, host, 'postgres');
  }
  if (serves) await assertPortFree(config.statusPort, statusListenHost(config) ?? '0.0.0.0', 'status');
  const user = await becomeRunUser(config);
  // initdb's temporary folders left by an interrupted start go first, whatever state PGDATA is in.
  await removeInitdbLeftovers(config.pgData, log);
  await removeExtraLeftovers(config, cluster, log);
  const pgState = await inspectPgData(config.pgData);
  if (pgState === 'initialised') await checkWalLayout({ pgData: config.pgData, pgWal: config.pgWal, walStorage: cluster.spec.walStorage === true });
  const state = createInstanceState(cluster.name, config.podName ?? `${cluster.name}-1`);
  source.observe?.(state);
  let reconciler: Promise<Reconciler> | undefined;
  let current: Reconciler | undefined;
  const made = (): Promise<Reconciler> =>
    (reconciler ??= Promise.all([readPgMajor(config.pgData), reconcilerModule()]).then(
      ([pgMajor, { Reconciler }]) =>
        (current = new Reconciler({ source, pgData: config.pgData, controller: config.controller, port: config.port, listenAddresses: config.listenAddresses, pgMajor, osUser: user.name, replication: replicationContext(config, state.podName), state, root, onPasswordApplied: localSecretUpkeep(source, root), tablespacesDir: config.tablespacesDir, sharedMachine: config.source === 'file' })),
    ));
  const fencing = new FenceSwitch();
  fencing.set(isFenced(cluster, state.podName));
  return {
    config,
    root,
    source,
    cluster,
    registry: createChildRegistry(),
    state,
    db: createLazyDb({ socketDir: config.controller.run, port: config.port }, root),
    pgState,
    reconciler: made,
    preload: () => void reconcilerModule().catch(() => undefined),
    warnOnce,
    fencing,
    budget: () => {
      const spec = current?.cluster()?.spec ?? cluster.spec;
      return { smartShutdownTimeout: spec.smartShutdownTimeout, stopDelay: spec.stopDelay, startDelay: spec.startDelay };
    },
  };
}
