// Applies the slot plan (slot-plan.ts) against the running server: on the primary from status.instanceNames,
// on a replica from the primary's slots, read over a streaming_replica session (TLS, its certificate; the
// pg_replication_slots view is readable by every role). Errors are per slot, collected and logged once per
// change, never fatal: a slot that could not be made now is retried at the next round (CNPG requeues too).
import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from '../log/logger.js';
import type { Pool } from '../db/pool.js';
import { advanceSlot, createPhysicalSlot, dropSlot, listPhysicalSlots, type Queryable } from '../db/replication-slots.js';
import { primaryAddress } from '../config/primary-address.js';
import { isDesignatedPrimary } from '../spec/replica-mode.js';
import type { Cluster } from '../spec/cluster.js';
import { planPrimarySlots, planReplicaSlots, type SlotActions, type SlotSettings } from './slot-plan.js';
import { instanceNames, primaryName, type ReplicationContext, type Role } from './replica-files.js';

export interface SlotKeeperOptions {
  ctx: ReplicationContext;
  cluster: () => Cluster | undefined;
  role: () => Role;
  /** The local pool while postgres runs and is ready; undefined otherwise. */
  pool: () => Pool | undefined;
  log: Logger;
}

function settings(cluster: Cluster): SlotSettings {
  const s = cluster.spec.replicationSlots;
  return { haEnabled: s.highAvailability.enabled, prefix: s.highAvailability.slotPrefix, synchronizeUserSlots: s.synchronizeReplicas };
}

async function apply(db: Queryable, actions: SlotActions, reserve: boolean): Promise<string[]> {
  const errors: string[] = [];
  const attempt = async (what: string, fn: () => Promise<void>): Promise<void> => {
    try {
      await fn();
    } catch (err) {
      errors.push(`${what}: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  for (const name of actions.drop) await attempt(`drop ${name}`, () => dropSlot(db, name));
  for (const name of actions.create) await attempt(`create ${name}`, () => createPhysicalSlot(db, name, reserve));
  for (const { name, lsn } of actions.advance) await attempt(`advance ${name}`, () => advanceSlot(db, name, lsn));
  return errors;
}

/** Keeps the slots of this instance in line with its role, every `updateInterval` seconds and on `nudge()`. */
export class SlotKeeper {
  readonly #o: SlotKeeperOptions;
  #lastOutcome = '';
  #wake: AbortController = new AbortController();
  #nudged = false;

  constructor(options: SlotKeeperOptions) {
    this.#o = options;
  }

  /** Runs a round soon (after a reconcile: new instanceNames, a new role). */
  nudge(): void {
    this.#nudged = true;
    this.#wake.abort();
  }

  /** One round; resolves with what was done. */
  async once(): Promise<SlotActions | undefined> {
    const cluster = this.#o.cluster();
    const pool = this.#o.pool();
    if (cluster === undefined || pool === undefined) return undefined;
    const s = settings(cluster);
    const local = await listPhysicalSlots(pool);
    let actions: SlotActions;
    let errors: string[];
    // The designated primary of a replica cluster keeps its replicas' HA slots as a primary does (CNPG: the
    // target primary); physical slots can be made on a standby.
    if (this.#o.role() === 'primary' || isDesignatedPrimary(cluster, this.#o.ctx.podName)) {
      actions = planPrimarySlots(s, this.#o.ctx.podName, instanceNames(cluster), local);
      errors = await apply(pool, actions, false);
    } else {
      const primary = primaryName(cluster);
      if (primary === undefined || primary === this.#o.ctx.podName) return undefined;
      const { host, port } = primaryAddress({ ...this.#o.ctx, clusterName: cluster.name, primaryName: primary });
      // pg is loaded only once postgres runs (src/db/lazy-db.ts); by now it is, so this import is cheap.
      const { replicaClient } = await import('../db/replication-probe.js');
      const client = await replicaClient({ host, port, applicationName: this.#o.ctx.podName, certificatesDir: this.#o.ctx.certificatesDir, timeoutMs: 5000 }, false);
      try {
        actions = planReplicaSlots(s, this.#o.ctx.podName, local, await listPhysicalSlots(client));
      } finally {
        await client.end().catch(() => undefined);
      }
      errors = await apply(pool, actions, true);
    }
    this.#report(actions, errors);
    return actions;
  }

  #report(actions: SlotActions, errors: string[]): void {
    if (actions.create.length > 0 || actions.drop.length > 0) this.#o.log.info({ created: actions.create, dropped: actions.drop, inUse: actions.busy }, 'replication slots updated');
    const outcome = errors.join('; ');
    if (outcome !== this.#lastOutcome && outcome !== '') this.#o.log.warn({ errors }, 'some replication slots could not be updated; retried at the next round');
    this.#lastOutcome = outcome;
  }

  /** Rounds until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      this.#nudged = false;
      try {
        await this.once();
      } catch (err) {
        const outcome = err instanceof Error ? err.message : String(err);
        if (outcome !== this.#lastOutcome) this.#o.log.warn({ err: outcome }, 'replication slot round failed; retried at the next round');
        this.#lastOutcome = outcome;
      }
      const seconds = this.#o.cluster()?.spec.replicationSlots.updateInterval ?? 30;
      this.#wake = new AbortController();
      if (this.#nudged) continue;
      await delay(seconds * 1000, undefined, { signal: AbortSignal.any([signal, this.#wake.signal]) }).catch(() => undefined);
    }
  }
}
