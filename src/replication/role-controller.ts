// Follows the Cluster's status while postgres runs and carries out decideRole (role-decision.ts): promote this
// replica when it is named targetPrimary, demote this primary when it is not (in place: it comes back as a
// replica and the controller keeps following; see demote-in-place.ts), log a targetPrimary naming an unknown
// instance. One decision at a time, always on the newest Cluster version; a failed promotion is retried (every
// 2 s) while the Cluster still names this instance. In Kubernetes a primary also holds the primary Lease: one
// that cannot hold it, or loses it, is fenced (stopped, the manager ends, and it does not start as primary
// again without the Lease).
import { describeError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { Cluster } from '../spec/cluster.js';
import { isReplicaCluster } from '../spec/replica-mode.js';
import { decideRole, type RoleAction, type RoleFacts } from './role-decision.js';
import type { DemotionPath } from './demote-in-place.js';
import { promoteReplica, type PromotionOptions } from './promotion.js';

export interface RoleControllerOptions {
  me: string;
  pgData: string;
  log: Logger;
  roleOnDisk: () => Promise<'primary' | 'replica'>;
  /** Whether postgres runs and its post-start tasks finished: decisions wait for it. */
  running: () => boolean;
  promotion: Omit<PromotionOptions, 'me' | 'pgData' | 'log'>;
  /**
   * Stop this primary (fast, bounded, then immediate); resolves 'in-place' once it is coming back as a replica
   * in this process (the controller keeps following), 'manager-ends' when the manager ends (fenced: always).
   */
  demote: (target: string, signal: AbortSignal) => Promise<DemotionPath>;
  /** Kubernetes: make sure this primary holds the primary Lease (false: another instance holds it). */
  holdLease?: (signal: AbortSignal) => Promise<boolean>;
  /** Kubernetes: releases the primary Lease if this instance holds it (a replica that is not promoting must not). */
  releaseLease?: () => Promise<void>;
  /**
   * Before promoting: 'go', or 'wait' (retried) while a promotion token is not yet replayed or cannot be (CNPG
   * verifyPromotionToken); `token` is reported as status.lastPromotionToken once promoted.
   */
  promotionGate?: (cluster: Cluster) => Promise<{ go: boolean; token?: string }>;
  /** Told the role found on disk at each decision (instance state, status). */
  onRole?: (role: 'primary' | 'replica') => void;
  retryMs?: number;
}

function names(cluster: Cluster): string[] {
  const list = cluster.status.instanceNames;
  return Array.isArray(list) ? list.filter((n): n is string => typeof n === 'string' && n !== '') : [];
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** The controller: `offer` every Cluster version, `run` until stopped. */
export class RoleController {
  readonly #o: RoleControllerOptions;
  #latest: Cluster | undefined;
  #wake: (() => void) | undefined;
  #reported = '';
  #fenced: string | undefined;
  /** The role found on disk at the last decision. */
  #onDisk: 'primary' | 'replica' | undefined;

  constructor(options: RoleControllerOptions) {
    this.#o = options;
  }

  /** A new Cluster version (or the same one again once postgres is ready). */
  offer(cluster: Cluster): void {
    this.#latest = cluster;
    this.#wake?.();
  }

  /** Fences this primary (the Lease is lost): `run` demotes it at once, whatever the Cluster says. */
  fence(reason: string): void {
    if (this.#fenced !== undefined) return;
    this.#fenced = reason;
    this.#o.log.error({ reason }, `${reason}: fencing this primary (fast stop, the manager ends; it does not start as primary again without the Lease)`);
    this.#wake?.();
  }

  /**
   * Whether `cluster` demotes this primary (by the role found at the last decision). Such a version is left to
   * the demotion, which writes the replica's files itself: a reconcile of it would only delay the stop.
   */
  demotes(cluster: Cluster): boolean {
    return this.#onDisk === 'primary' && this.#fenced === undefined && decideRole(this.#facts(cluster, 'primary')).kind === 'demote';
  }

  #facts(cluster: Cluster, onDisk: 'primary' | 'replica'): RoleFacts {
    return { me: this.#o.me, onDisk, targetPrimary: text(cluster.status.targetPrimary), currentPrimary: text(cluster.status.currentPrimary), instanceNames: names(cluster), replicaCluster: isReplicaCluster(cluster) };
  }

  /** Why this instance was fenced, if it was. */
  get fenced(): string | undefined {
    return this.#fenced;
  }

  /** Decides on each offered version until `signal` aborts; resolves after a demotion that ends the manager. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const cluster = this.#latest;
      let retry = false;
      if (this.#fenced !== undefined) {
        await this.#o.demote('', signal);
        return;
      }
      if (cluster && this.#o.running()) {
        try {
          const outcome = await this.#decide(cluster, signal);
          if (outcome === 'demoted') return;
          retry = outcome === 'retry';
        } catch (err) {
          if (signal.aborted) return;
          this.#o.log.error({ err: describeError(err) }, 'role change failed; retrying');
          retry = true;
        }
      }
      // Not yet running, or a retry: look again shortly; offer() wakes it at once on a new version.
      const delay = retry || !this.#o.running() ? (this.#o.retryMs ?? 2000) : 60_000;
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          signal.removeEventListener('abort', done);
          resolve();
        };
        const timer = setTimeout(done, delay);
        this.#wake = done;
        signal.addEventListener('abort', done, { once: true });
        if (cluster !== this.#latest || signal.aborted || this.#fenced !== undefined) done(); // a version (or a fence) arrived during the decision
      });
      this.#wake = undefined;
    }
  }

  // A primary keeps running only holding the Lease; a replica lets go of one it still holds (a promotion that
  // failed after taking it), so the next target can take it without waiting for an expiry that never comes.
  async #keepLease(onDisk: string, signal: AbortSignal): Promise<'done' | 'retry'> {
    if (onDisk === 'primary' && this.#o.holdLease && !(await this.#o.holdLease(signal))) {
      this.fence('this primary cannot take the primary Lease');
      return 'retry';
    }
    if (onDisk === 'replica') await this.#o.releaseLease?.();
    return 'done';
  }

  async #decide(cluster: Cluster, signal: AbortSignal): Promise<'done' | 'retry' | 'demoted'> {
    const onDisk = await this.#o.roleOnDisk();
    this.#onDisk = onDisk;
    this.#o.onRole?.(onDisk);
    const action: RoleAction = decideRole(this.#facts(cluster, onDisk));
    switch (action.kind) {
      case 'stay':
        return this.#keepLease(onDisk, signal);
      case 'unknown-target': {
        const key = `${action.target}\0${onDisk}`;
        if (this.#reported !== key) {
          this.#o.log.error({ targetPrimary: action.target, instanceNames: names(cluster) }, `status.targetPrimary names ${action.target}, which is not an instance of this Cluster: no promotion, no demotion`);
        }
        this.#reported = key;
        // Still a primary only with the Lease: a target nobody can take must not leave one writable without it.
        return this.#keepLease(onDisk, signal);
      }
      case 'promote': {
        const gate = (await this.#o.promotionGate?.(cluster)) ?? { go: true };
        if (!gate.go) return 'retry';
        // The designated primary of a former replica cluster is already currentPrimary: its WAL receiver streams
        // from the source cluster, which need not stop (CNPG waits for the receiver only when current != me).
        const designated = text(cluster.status.currentPrimary) === this.#o.me;
        this.#o.log.info({ failover: action.failover, currentPrimary: text(cluster.status.currentPrimary), replicaClusterPromotion: designated }, 'this instance is targetPrimary: promoting');
        const done = await promoteReplica({ ...this.#o.promotion, me: this.#o.me, pgData: this.#o.pgData, log: this.#o.log, ...(designated ? { walReceiverWaitMs: 0 } : {}) }, signal);
        if (done) this.#o.onRole?.('primary');
        if (done && gate.token !== undefined) await this.#o.promotion.patchStatus({ lastPromotionToken: gate.token });
        return done ? 'done' : 'retry';
      }
      case 'demote': {
        this.#o.log.info({ targetPrimary: action.target }, 'this primary is no longer targetPrimary: stopping it to come back as a replica');
        if ((await this.#o.demote(action.target, signal)) === 'manager-ends') return 'demoted';
        this.#onDisk = await this.#o.roleOnDisk();
        this.#o.onRole?.(this.#onDisk);
        return 'done';
      }
    }
  }
}
