// Role changes wired into `instance run` (src/replication/): the former primary's path (wait for the
// promotion, pg_rewind or a re-clone through the join step), run before postgres starts and, for a demotion,
// in place, and the role part that promotes this replica or demotes this primary on each Cluster version. A
// demotion stops postgres fast, bounded by min(switchoverDelay, stopDelay) (then immediate), and brings it back
// as a replica in this process (demote-in-place.ts). A fenced primary, or a demotion in place that failed, ends
// the manager with EXIT.parts.role instead: in a container the kubelet restarts it, under `local-cluster` the
// command does, and the next start takes the former-primary path (CNPG's manager always ends that way).
// Kubernetes: the primary Lease (src/kube/primary-lease.ts) is taken before a promotion and before a primary
// starts, renewed while primary, released once postgres stopped; losing it fences this primary.
import { join } from 'node:path';
import { EXIT } from '../config/constants.js';
import { rewindRestoreCommand } from '../config/manager-command.js';
import { ManagerError } from '../errors.js';
import { child } from '../log/logger.js';
import { checkpoint, inRecovery, promote, terminateClientBackends, walReceiverCount } from '../db/promotion-queries.js';
import { demoteAtStart } from '../replication/demote-at-start.js';
import { demoteInPlace, demotionPath, type DemotionPath } from '../replication/demote-in-place.js';
import { runPgRewind } from '../replication/pg-rewind.js';
import { RoleController } from '../replication/role-controller.js';
import type { AcquireOutcome, PrimaryLease } from '../kube/primary-lease.js';
import type { Cluster } from '../spec/cluster.js';
import type { Reconciler } from '../reconcile/reconciler.js';
import type { Lifecycle } from '../supervisor/lifecycle.js';
import { followsAsIsCheck } from './follow-wiring.js';
import { joinStepOptions } from './join-options.js';
import { demotionTokenReporter, promotionGate } from './replica-cluster-wiring.js';
import type { Part } from './part-group.js';
import { replicationContext, type Prepared } from './prepare.js';

/** Set while a demotion stops postgres: the stop goes fast at once (see demotionBudget). */
export interface Demotion {
  active: boolean;
  /** Why this primary was fenced (the Lease lost), when it was. */
  fenced?: string;
}

/**
 * The stop budget while demoting or fenced: no CHECKPOINT first (the fast stop's own checkpoint writes the same buffers; a
 * separate one only lengthens the switchover), no smart phase, fast within min(switchoverDelay, stopDelay),
 * then immediate.
 */
export function demotionBudget(p: Prepared, demotion: Demotion): ReturnType<Prepared['budget']> {
  const budget = p.budget();
  // Fencing stops postgres the same way: fast within switchoverDelay, then immediate (CNPG reconcileFencing).
  if (!demotion.active && !p.fencing.on) return budget;
  // Fenced: the Lease may expire for the others soon, so fast gets 1 s before immediate.
  if (demotion.fenced !== undefined) return { ...budget, smartShutdownTimeout: 0, stopDelay: 1, checkpointFirst: false };
  return { ...budget, smartShutdownTimeout: 0, stopDelay: Math.max(1, Math.min(p.cluster.spec.switchoverDelay, budget.stopDelay)), checkpointFirst: false };
}

/** Before postgres starts: a former primary rewinds (or re-clones) and comes back as a replica. Returns the Cluster to write the files for. */
export async function prepareRole(p: Prepared, provisioned: Promise<void>, signal: AbortSignal): Promise<Cluster> {
  const { config } = p;
  // Loaded on use, as the reconciler is (prepare.ts).
  const [{ writeCertificateFiles }, { conninfoTo, roleOnDisk }] = await Promise.all([import('../reconcile/config-files.js'), import('../reconcile/replica-files.js')]);
  const log = child(p.root, 'role');
  const ctx = replicationContext(config, p.state.podName);
  const stopped = new Map<number, number>();
  const result = await demoteAtStart(
    {
      me: p.state.podName,
      pgData: config.pgData,
      log,
      roleOnDisk: () => roleOnDisk(config.pgData),
      load: () => p.source.load(),
      // Outside PGDATA (a failed rewind truncates the files in it), in the controller's scratch folder.
      configFile: join(config.controller.tmp, 'pg_rewind.conf'),
      oldPostmasterGone: async () => (await import('../replication/old-postmaster.js')).clearOldPostmaster(config.pgData, config.controller.run, stopped),
      restoreCommand: (cluster) => (archives(cluster) ? rewindRestoreCommand(config.controller.root, config.controller.log) : undefined),
      archiveReady: async (cluster) => {
        if (!archives(cluster)) return 0;
        await provisioned;
        return (await import('./archive-leftover-wal.js')).archiveLeftoverWal(p, cluster, log);
      },
      rewind: async (source, cluster) => {
        await provisioned;
        await writeCertificateFiles(cluster, p.source, config.controller.certificates);
        return runPgRewind({
          pgBin: config.pgBin,
          pgData: config.pgData,
          sourceConninfo: conninfoTo(cluster, ctx, source, p.state.podName, [['connect_timeout', '5']]),
          configFile: join(config.controller.tmp, 'pg_rewind.conf'),
          restoreTargetWal: archives(cluster),
          registry: p.registry,
          signal,
          onLine: (line) => log.info({ tool: 'pg_rewind' }, line),
        });
      },
      archiveLast: async (cluster) => {
        if (!archives(cluster)) return undefined;
        await provisioned;
        return (await import('./archive-leftover-wal.js')).archiveLastWal(p, cluster, log);
      },
      followsAsIs: followsAsIsCheck(p, provisioned, log),
      // Loaded on use: the join step loads pg (its replication probe), which an ordinary start loads only after the spawn.
      demotionToken: demotionTokenReporter(p),
      reclone: async () => (await import('../bootstrap/join-step.js')).runJoinStep(await joinStepOptions(p, provisioned), signal),
    },
    signal,
  );
  await leaseBeforePrimaryStart(p, result.cluster, signal);
  return result.cluster;
}

/** The Lease of this source, if it has one (Kubernetes). */
function leaseOf(p: Prepared): PrimaryLease | undefined {
  return hasLease(p.source) ? p.source.primaryLease(p.state.podName) : undefined;
}

// A primary on disk starts only holding the Lease (whatever targetPrimary says: a former primary that is not the
// target was rewound into a replica above): a fenced primary restarted by the kubelet stays down while another
// instance holds it, instead of coming back as a second writable primary.
async function leaseBeforePrimaryStart(p: Prepared, cluster: Cluster, signal: AbortSignal): Promise<void> {
  const lease = leaseOf(p);
  if (!lease) return;
  if ((await (await import('../reconcile/replica-files.js')).roleOnDisk(p.config.pgData)) !== 'primary') return;
  const got = await lease.acquire(signal);
  if (got.held) return;
  const why = got.holder !== undefined ? `it is held by ${got.holder}` : `the API server could not be reached (${got.unreachable ?? 'no answer'})`;
  throw new ManagerError('KUBE', `the primary Lease ${cluster.name} was not had: ${why}; this instance does not start as primary (a second writable primary), it retries at its next start`, { retryable: true });
}

/** After postgres stopped: release the primary Lease if this instance holds it (the next primary takes it at once). */
export async function releasePrimaryLease(p: Prepared): Promise<void> {
  await leaseOf(p)?.release();
}

/** Whether the Cluster archives WAL (spec.backup.barmanObjectStore). */
function archives(cluster: Cluster): boolean {
  return cluster.spec.backup?.barmanObjectStore !== undefined;
}

/** The role part: follows each offered Cluster version while postgres runs; ends the manager after a demotion. */
export function rolePart(p: Prepared, lifecycle: Lifecycle, controllerRef: { controller?: RoleController }, demotion: Demotion, afterPromotion: () => void): Part {
  const log = child(p.root, 'role');
  const db = async <T>(fn: (c: import('../db/pool.js').Client) => Promise<T>): Promise<T> => {
    const { withClient } = await p.db.load();
    return withClient(p.db.target, fn);
  };
  const source = p.source;
  const events = hasEvents(source) ? source : undefined;
  const lease = leaseOf(p);
  const controller: RoleController = new RoleController({
    me: p.state.podName,
    pgData: p.config.pgData,
    log,
    roleOnDisk: async () => (await import('../reconcile/replica-files.js')).roleOnDisk(p.config.pgData),
    running: () => lifecycle.isReady() && p.state.ready,
    onRole: (role) => (p.state.role = role),
    promotionGate: promotionGate(p),
    promotion: {
      db: {
        walReceiverCount: () => db(walReceiverCount),
        inRecovery: () => db(inRecovery),
        promote: (waitSeconds) => db((c) => promote(c, waitSeconds)),
        checkpoint: () => db(checkpoint),
        terminateClientBackends: () => db(terminateClientBackends),
      },
      patchStatus: async (patch) => {
        await p.source.patchStatus(patch);
        afterPromotion();
      },
      event: events ? (reason, message) => events.recordEvent(reason, message) : undefined,
      acquireLease: lease ? async (signal) => reportLease(p, await lease.acquire(signal)) : undefined,
      leaseHeld: lease ? () => lease.held : undefined,
    },
    holdLease: lease ? async (signal) => (await lease.acquire(signal)).held : undefined,
    releaseLease: lease ? () => lease.release() : undefined,
    demote: async (_target, signal): Promise<DemotionPath> => {
      demotion.active = true;
      demotion.fenced = controller.fenced;
      if (demotionPath(controller.fenced) === 'manager-ends') {
        // Fenced: postgres stops now (fast, immediate after 1 s), not after the parts' ordered stop.
        lifecycle.fence();
        return 'manager-ends';
      }
      // With no reconcile beside it: one in flight finishes before postgres stops (the version that demotes is not
      // reconciled: instance-run.ts), the next waits for the replica's files (one written during pg_rewind, or for
      // the role on disk before standby.signal exists, would be wrong).
      const reconciler = await p.reconciler();
      const back = await reconciler.exclusive((): Promise<boolean> => demoteInPlace(inPlace(p, lifecycle, controller, reconciler, log), signal));
      // Back as a replica: later stops get the Cluster's own budget again. Not back: fenced meanwhile, perhaps.
      if (back) demotion.active = false;
      else demotion.fenced = controller.fenced;
      return back ? 'in-place' : 'manager-ends';
    },
  });
  // A lost Lease stops postgres at once, whatever the controller is doing (a promotion's waits can be long).
  lease?.onLost((reason) => {
    lifecycle.fence();
    controller.fence(reason);
  });
  controllerRef.controller = controller;
  return {
    name: 'role',
    stopOrder: 0,
    exitCode: EXIT.parts.role,
    async start(signal, ready) {
      ready();
      await controller.run(signal);
      if (demotion.fenced !== undefined) throw new ManagerError('POSTMASTER', `fenced: ${demotion.fenced}; postgres stops and the manager ends`);
      // A stop during a demotion in place is an ordinary stop (exit 0): the next start goes on with it.
      if (demotion.active && !signal.aborted) throw new ManagerError('POSTMASTER', 'this primary is no longer targetPrimary and did not come back as a replica in place: the manager ends; its next start rewinds it (or clones it again)');
    },
  };
}

// The demotion in place of this process: the Lease released once postgres stopped, then the former-primary path
// and the replica's files.
function inPlace(p: Prepared, lifecycle: Lifecycle, controller: RoleController, reconciler: Reconciler, log: ReturnType<typeof child>): Parameters<typeof demoteInPlace>[0] {
  return {
    log,
    hold: () => lifecycle.hold(),
    afterStop: async () => {
      p.state.ready = false;
      await releasePrimaryLease(p);
    },
    fenced: () => controller.fenced ?? (lifecycle.fenced ? 'the primary Lease was lost' : undefined),
    prepare: async (signal) => void (await reconciler.writeFiles(await prepareRole(p, Promise.resolve(), signal))),
  };
}

// The outcome of a promotion's Lease attempt as the Cluster condition PrimaryLease, beside the log line the
// Lease wrote: sent in the background (an unreachable API server must not stall the decision), and re-sent
// by the status writer once the API server is back.
function reportLease(p: Prepared, got: AcquireOutcome): boolean {
  const why = got.held ? undefined : got.unreachable !== undefined ? { reason: 'APIServerUnreachable', message: `${p.state.podName} cannot reach the API server: ${got.unreachable}` } : { reason: 'HeldByAnotherInstance', message: `held by ${got.holder ?? 'another instance'}; ${p.state.podName} waits to promote` };
  const condition = why ? { type: 'PrimaryLease', status: 'False', ...why } : { type: 'PrimaryLease', status: 'True', reason: 'Held', message: `held by ${p.state.podName}` };
  void p.source.patchStatus({ conditions: [condition] }).catch(() => undefined);
  return got.held;
}

/** A source that can record Kubernetes events (the Kubernetes source). */
interface EventSink {
  recordEvent(reason: string, message: string): Promise<void>;
}
/** A source with a primary Lease (the Kubernetes source). */
interface LeaseHolder {
  primaryLease(identity: string): PrimaryLease;
}
function hasEvents(s: object): s is EventSink {
  return typeof (s as Partial<EventSink>).recordEvent === 'function';
}
function hasLease(s: object): s is LeaseHolder {
  return typeof (s as Partial<LeaseHolder>).primaryLease === 'function';
}

