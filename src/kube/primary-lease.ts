// The primary Lease of one Cluster (a coordination.k8s.io/v1 Lease named after it, holderIdentity = the
// pod name): taken before a promotion and before a primary starts, renewed every retry period while this
// instance is primary, released after postgres stopped. Optimistic concurrency: every write carries the
// resourceVersion read, so of two candidates one gets 409 and looks again. A holder that finds another
// identity in the Lease, or cannot confirm a renewal within the renew deadline, calls `onLost` once: the
// caller fences (fast stop, no restart as primary). CNPG: internal/cmd/manager/instance/run/lease/.
import { setTimeout as sleep } from 'node:timers/promises';
import { describeError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { isStatus } from './kube-api.js';
import { microTime, type LeaseApi, type LeaseRecord } from './lease-api.js';
import { decideRenewal, decideTake, LEASE_TIMINGS, type LeaseTimings, type Observation } from './lease-decision.js';

export interface PrimaryLeaseOptions {
  leases: () => Promise<LeaseApi>;
  /** The Lease's name: the Cluster's. */
  name: string;
  /** holderIdentity: this pod's name. */
  identity: string;
  log: Logger;
  timings?: LeaseTimings;
  now?: () => number;
}

/** Why acquire() did not take the Lease. */
export type AcquireOutcome = { held: true } | { held: false; holder?: string; unreachable?: string };

/** One instance's view of the primary Lease. */
export class PrimaryLease {
  readonly #o: PrimaryLeaseOptions;
  readonly #t: LeaseTimings;
  #renewal: AbortController | undefined;
  #lastConfirmedMs = 0;
  #watchdog: NodeJS.Timeout | undefined;
  /** The Lease as our last write left it: a renewal replaces it without reading first (one call a round). */
  #record: LeaseRecord | undefined;
  #onLost: ((reason: string) => void) | undefined;
  /** Why the held Lease was lost, until a callback has been told. */
  #lostUntold: string | undefined;

  constructor(options: PrimaryLeaseOptions) {
    this.#o = options;
    this.#t = options.timings ?? LEASE_TIMINGS;
  }

  #now(): number {
    return (this.#o.now ?? Date.now)();
  }

  /** True while this instance holds the Lease and renews it. */
  get held(): boolean {
    return this.#renewal !== undefined;
  }

  /** Called once when the held Lease is lost (taken by another identity, or not renewed in time). */
  onLost(callback: (reason: string) => void): void {
    this.#onLost = callback;
    // Lost before anyone listened (between a start's acquire and the role part): told now, not never.
    const untold = this.#lostUntold;
    this.#lostUntold = undefined;
    if (untold !== undefined) callback(untold);
  }

  /** Takes the Lease within `timeoutMs` (CNPG: lease duration + 3 retry periods), then keeps renewing it. */
  async acquire(signal: AbortSignal, timeoutMs = this.#t.leaseDurationMs + 3 * this.#t.retryPeriodMs): Promise<AcquireOutcome> {
    if (this.held) return { held: true };
    const api = await this.#o.leases();
    const deadline = this.#now() + timeoutMs;
    let seen: Observation | undefined;
    let outcome: AcquireOutcome = { held: false };
    let logged = '';
    const once = (key: string, log: () => void): void => {
      if (logged !== key) log();
      logged = key;
    };
    for (;;) {
      try {
        const record = await api.get(this.#o.name);
        const step = decideTake(record, this.#o.identity, this.#now(), seen, this.#t);
        if (step.kind === 'wait') {
          seen = step.observation;
          outcome = { held: false, holder: step.holder };
          once(`wait:${step.holder}`, () => this.#o.log.info({ holder: step.holder }, `primary Lease ${this.#o.name} is held by ${step.holder}: waiting for it to be released or to expire`));
        } else {
          const sentAt = this.#now();
          const now = microTime(sentAt);
          const mine = { holderIdentity: this.#o.identity, leaseDurationSeconds: this.#t.leaseDurationMs / 1000, renewTime: now };
          if (step.kind === 'create') this.#record = await api.create(this.#o.name, { ...mine, acquireTime: now, leaseTransitions: 0 });
          else if (step.kind === 'ours' && record) this.#record = await api.replace(this.#o.name, { ...record, ...mine });
          else if (record) this.#record = await api.replace(this.#o.name, { ...record, ...mine, acquireTime: now, leaseTransitions: record.leaseTransitions + 1 });
          // From when the write was sent, not answered: the others may have seen it that early.
          this.#lastConfirmedMs = sentAt;
          this.#lostUntold = undefined;
          this.#o.log.info({ lease: this.#o.name, step: step.kind, ...(step.kind === 'claim' ? { from: step.from } : {}) }, `primary Lease ${this.#o.name} acquired`);
          this.#startRenewal();
          return { held: true };
        }
      } catch (err) {
        // 409: another candidate wrote first (create or replace): read again at once, it decides.
        if (isStatus(err, 409)) continue;
        outcome = { held: false, unreachable: describeError(err) };
        once('error', () => this.#o.log.warn({ err: describeError(err) }, `primary Lease ${this.#o.name}: the API server cannot be reached or refused the call; not primary until it is held`));
      }
      if (this.#now() + this.#t.retryPeriodMs > deadline) return outcome;
      await sleep(this.#t.retryPeriodMs, undefined, { signal });
    }
  }

  #startRenewal(): void {
    const controller = new AbortController();
    this.#renewal = controller;
    this.#arm();
    void this.#renew(controller.signal);
  }

  // The deadline runs on its own timer, not between calls: a renewal call that hangs (a partition drops
  // packets) must not delay the fence past the moment the others may take the Lease over.
  #arm(): void {
    clearTimeout(this.#watchdog);
    const left = this.#lastConfirmedMs + this.#t.renewDeadlineMs - this.#now();
    this.#watchdog = setTimeout(() => this.#lose(`the primary Lease ${this.#o.name} could not be renewed for ${Math.round(this.#t.renewDeadlineMs / 1000)} s (it expires for the other instances)`), Math.max(0, left) + 1);
  }

  #lose(reason: string): void {
    if (!this.#renewal) return;
    this.#renewal.abort();
    this.#renewal = undefined;
    clearTimeout(this.#watchdog);
    if (this.#onLost) this.#onLost(reason);
    else this.#lostUntold = reason;
  }

  async #renew(signal: AbortSignal): Promise<void> {
    const api = await this.#o.leases();
    while (!signal.aborted) {
      await sleep(this.#t.retryPeriodMs, undefined, { signal }).catch(() => undefined);
      if (signal.aborted) return;
      // The common round: one PUT of our last copy. 409 (someone wrote since) or 404: read and decide below.
      const mine = this.#record;
      if (mine?.holderIdentity === this.#o.identity) {
        try {
          const sentAt = this.#now();
          this.#confirm(await api.replace(this.#o.name, { ...mine, renewTime: microTime(sentAt) }), signal, sentAt);
          continue;
        } catch (err) {
          if (!isStatus(err, 409, 404)) {
            // Unreachable or refused: the next round tries again; the watchdog bounds how long.
            this.#o.log.debug({ err: describeError(err) }, 'primary Lease renewal failed; retrying');
            continue;
          }
        }
      }
      let record: LeaseRecord | undefined;
      let readFailed = false;
      try {
        record = await api.get(this.#o.name);
      } catch {
        readFailed = true;
      }
      const step = decideRenewal({ me: this.#o.identity, record, readFailed, nowMs: this.#now(), lastConfirmedMs: this.#lastConfirmedMs }, this.#t);
      if (step.kind === 'lost' || step.kind === 'stale') {
        const reason =
          step.kind === 'lost'
            ? `the primary Lease ${this.#o.name} is held by ${step.holder === '' ? 'nobody (released)' : step.holder}`
            : `the primary Lease ${this.#o.name} could not be renewed for ${Math.round(step.ageMs / 1000)} s (it expires for the other instances)`;
        this.#lose(reason);
        return;
      }
      if (step.kind === 'retry') continue;
      try {
        const sentAt = this.#now();
        const now = microTime(sentAt);
        if (step.kind === 'recreate') this.#confirm(await api.create(this.#o.name, { holderIdentity: this.#o.identity, leaseDurationSeconds: this.#t.leaseDurationMs / 1000, acquireTime: now, renewTime: now, leaseTransitions: 0 }), signal, sentAt);
        else if (record) this.#confirm(await api.replace(this.#o.name, { ...record, renewTime: now }), signal, sentAt);
      } catch (err) {
        // A lost race (409) or an unreachable API: the next round reads again; the watchdog bounds it.
        this.#o.log.debug({ err: describeError(err) }, 'primary Lease renewal failed; retrying');
      }
    }
  }

  // A write naming us succeeded: the others may have seen its renewTime from when it was sent (a slow answer
  // must not move the fence past the moment they may take the Lease over).
  #confirm(written: LeaseRecord, signal: AbortSignal, sentAt: number): void {
    if (signal.aborted) return;
    this.#record = written;
    this.#lastConfirmedMs = sentAt;
    this.#arm();
  }

  /** Stops renewing and, when the Lease still names us, releases it so that the next primary takes it at once. */
  async release(): Promise<void> {
    if (!this.#renewal) return;
    this.#renewal.abort();
    this.#renewal = undefined;
    clearTimeout(this.#watchdog);
    try {
      const api = await this.#o.leases();
      const record = await api.get(this.#o.name);
      if (record?.holderIdentity !== this.#o.identity) return;
      // As client-go's release(): empty holder, 1 s duration, transitions kept.
      await api.replace(this.#o.name, { ...record, holderIdentity: '', leaseDurationSeconds: 1, renewTime: microTime(this.#now()) });
      this.#o.log.info({ lease: this.#o.name }, `primary Lease ${this.#o.name} released`);
    } catch (err) {
      this.#o.log.warn({ err: describeError(err) }, `primary Lease ${this.#o.name}: not released; the next primary waits for it to expire`);
    }
  }
}
