// The primary Lease's decisions, pure (every case is a row of test/unit/kube/lease-decision.test.ts):
// whether a candidate may take the Lease, and what a holder does at each renewal round. Times are this
// process's clock only: a Lease still naming another holder is taken over once this process has seen it
// unchanged for a full lease duration, never by comparing renewTime with our clock (clock skew between pods
// cannot cause a take-over). CNPG: internal/cmd/manager/instance/run/lease/runnable.go (tryTakeOver) and
// stepdown.go (the age of the last confirmed write decides the step-down).
import type { LeaseRecord } from './lease-api.js';

export interface LeaseTimings {
  /** How long a Lease is valid after its last renewal (written into the Lease). */
  leaseDurationMs: number;
  /** A holder that has not confirmed a renewal for this long fences itself: before anyone may take over. */
  renewDeadlineMs: number;
  /** How often a holder renews and a candidate looks again. */
  retryPeriodMs: number;
}

/** client-go's leader-election defaults, which CNPG uses for its primary Lease (15 s / 10 s / 2 s). */
export const LEASE_TIMINGS: LeaseTimings = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 };

/** A Lease held by another identity as this candidate first saw it, and when (our clock). */
export interface Observation {
  holder: string;
  renewTime: string;
  sinceMs: number;
}

export type TakeStep =
  /** No Lease yet: create it naming us (409 = another candidate was first). */
  | { kind: 'create' }
  /** Already ours (a restart of the same pod): renew it. */
  | { kind: 'ours' }
  /** Released ('') or not renewed for a full lease duration: replace it naming us, with its resourceVersion. */
  | { kind: 'claim'; from: string }
  /** Another holder renews it: look again after the retry period. */
  | { kind: 'wait'; holder: string; observation: Observation };

/** May `me` take the Lease as read at `nowMs`, given what it saw before (`seen`)? */
export function decideTake(record: LeaseRecord | undefined, me: string, nowMs: number, seen: Observation | undefined, t: LeaseTimings): TakeStep {
  if (record === undefined) return { kind: 'create' };
  if (record.holderIdentity === me) return { kind: 'ours' };
  if (record.holderIdentity === '') return { kind: 'claim', from: '' };
  const same = seen !== undefined && seen.holder === record.holderIdentity && seen.renewTime === record.renewTime;
  const observation: Observation = same ? seen : { holder: record.holderIdentity, renewTime: record.renewTime, sinceMs: nowMs };
  // The holder's own duration when it wrote one, but never shorter than ours.
  const duration = Math.max(record.leaseDurationSeconds * 1000, t.leaseDurationMs);
  if (same && nowMs - observation.sinceMs >= duration) return { kind: 'claim', from: record.holderIdentity };
  return { kind: 'wait', holder: record.holderIdentity, observation };
}

export type RenewStep =
  /** Still ours: write a new renewTime (with the resourceVersion read). */
  | { kind: 'renew' }
  /** Deleted: nobody holds it; create it again naming us. */
  | { kind: 'recreate' }
  /** Another identity holds it (or it was released by someone else): fence this primary. */
  | { kind: 'lost'; holder: string }
  /** No confirmed renewal for the renew deadline: fence before the Lease can expire for the others. */
  | { kind: 'stale'; ageMs: number }
  /** The read failed, still within the deadline: try again next round. */
  | { kind: 'retry' };

export interface RenewFacts {
  me: string;
  /** The Lease as read this round; undefined with `readFailed` false = absent. */
  record: LeaseRecord | undefined;
  readFailed: boolean;
  nowMs: number;
  /** When a write naming us last succeeded (our clock). */
  lastConfirmedMs: number;
}

/** A holder's renewal round. */
export function decideRenewal(f: RenewFacts, t: LeaseTimings): RenewStep {
  const ageMs = f.nowMs - f.lastConfirmedMs;
  // First: a read that succeeds proves nothing about what the others see; only a confirmed write does.
  if (ageMs > t.renewDeadlineMs) return { kind: 'stale', ageMs };
  if (f.readFailed) return { kind: 'retry' };
  if (f.record === undefined) return { kind: 'recreate' };
  if (f.record.holderIdentity !== f.me) return { kind: 'lost', holder: f.record.holderIdentity };
  return { kind: 'renew' };
}
