// Promotion of a replica the operator named targetPrimary, in CNPG's order (instance_controller.go
// reconcilePrimary, pkg/management/postgres/promote.go): the primary Lease (Kubernetes), this standby's own WAL
// receiver down (it has taken everything the old primary sent; bounded here where CNPG waits forever),
// pg_promote with a bounded wait, standby.signal gone, CHECKPOINT (pg_rewind of the old primary reads the new
// timeline from pg_control), then currentPrimary/currentPrimaryTimestamp, an event, and the client backends
// ended so that they reconnect to a writable primary.
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ManagerError } from '../errors.js';
import { isoTime } from '../log/iso-time.js';
import type { Logger } from '../log/logger.js';
import type { StatusPatch } from '../model/objects.js';

/** What a promotion does to postgres (built over db/promotion-queries.ts by the caller). */
export interface PromotionDb {
  walReceiverCount(): Promise<number>;
  inRecovery(): Promise<boolean>;
  promote(waitSeconds: number): Promise<boolean>;
  checkpoint(): Promise<void>;
  terminateClientBackends(): Promise<number>;
}

export interface PromotionOptions {
  me: string;
  pgData: string;
  db: PromotionDb;
  log: Logger;
  patchStatus: (patch: StatusPatch) => Promise<void>;
  /** Kubernetes: take the primary Lease; false = not had within its timeout (try again later). */
  acquireLease?: (signal: AbortSignal) => Promise<boolean>;
  /** Kubernetes: whether the Lease is still held (checked again right before pg_promote). */
  leaseHeld?: () => boolean;
  event?: (reason: string, message: string) => Promise<void>;
  /** How long the WAL receiver may keep streaming before the promotion goes ahead anyway (default 30 s). */
  walReceiverWaitMs?: number;
  /** pg_promote's wait (default 60 s). */
  promoteWaitSeconds?: number;
  pollMs?: number;
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** Promotes this replica; resolves false when the Lease was not had (nothing done), throws when a step failed. */
export async function promoteReplica(o: PromotionOptions, signal: AbortSignal): Promise<boolean> {
  const started = Date.now();
  // Short: in a switchover the receiver stops with the old primary's shutdown, and each poll is a local query.
  const poll = o.pollMs ?? 20;
  if (o.acquireLease && !(await o.acquireLease(signal))) {
    o.log.warn('promotion: the primary Lease is not held (the line above says why); not promoting yet');
    return false;
  }
  // The WAL receiver: while it streams, the old primary still sends WAL this standby should have. The
  // operator (or local-cluster) waits for every receiver to stop before a failover; for a switchover the old
  // primary's fast stop ends it. Bounded, so a receiver that never stops cannot stall the promotion forever (CNPG F#13).
  const receiverDeadline = Date.now() + (o.walReceiverWaitMs ?? 30_000);
  let waitedReceiver = false;
  // 0: no wait at all (a replica cluster's designated primary streams from another cluster, which goes on).
  while (o.walReceiverWaitMs !== 0 && (await o.db.walReceiverCount()) > 0) {
    if (Date.now() > receiverDeadline) {
      o.log.warn({ waitedMs: o.walReceiverWaitMs ?? 30_000 }, 'promotion: the WAL receiver still runs after the wait; promoting anyway');
      break;
    }
    if (!waitedReceiver) o.log.info('promotion: waiting for the WAL receiver to stop');
    waitedReceiver = true;
    await sleep(poll, undefined, { signal });
  }
  // The receiver wait can last 30 s: a Lease lost meanwhile (the API unreachable) means no promotion.
  if (o.leaseHeld && !o.leaseHeld()) throw new ManagerError('POSTMASTER', 'promotion: the primary Lease was lost while waiting for the WAL receiver; not promoting', { retryable: true });
  if (await o.db.inRecovery()) {
    const waitSeconds = o.promoteWaitSeconds ?? 60;
    o.log.info({ waitSeconds }, 'promoting');
    if (!(await o.db.promote(waitSeconds))) {
      throw new ManagerError('POSTMASTER', `promotion: pg_promote did not finish within ${waitSeconds} s`, { retryable: true });
    }
  }
  const signalFile = join(o.pgData, 'standby.signal');
  const fileDeadline = Date.now() + 60_000;
  while (await exists(signalFile)) {
    if (Date.now() > fileDeadline) throw new ManagerError('POSTMASTER', `promotion: ${signalFile} still exists 60 s after pg_promote`, { retryable: true });
    await sleep(poll, undefined, { signal });
  }
  await o.db.checkpoint();
  await o.patchStatus({ currentPrimary: o.me, currentPrimaryTimestamp: isoTime() });
  const ended = await o.db.terminateClientBackends();
  const ms = Date.now() - started;
  o.log.info({ durationMs: ms, clientBackendsEnded: ended }, 'promoted: this instance is the primary');
  await o.event?.('Promoted', `instance ${o.me} promoted to primary in ${ms} ms`);
  return true;
}
