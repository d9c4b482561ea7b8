// The primary Lease's decisions as tables: when a candidate may take the Lease (absent, ours, released,
// or unchanged for a full lease duration by our own clock), and what a holder does each renewal round
// (renew, recreate, fence when another identity holds it or no renewal was confirmed within the deadline).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decideRenewal, decideTake, type LeaseTimings, type Observation } from '../../../src/kube/lease-decision.js';
import type { LeaseRecord } from '../../../src/kube/lease-api.js';
import { microTime } from '../../../src/kube/lease-api.js';

const T: LeaseTimings = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 };

function lease(holder: string, renewTime = '2026-12-07T08:00:00.000000Z', seconds = 15): LeaseRecord {
  return { holderIdentity: holder, leaseDurationSeconds: seconds, acquireTime: renewTime, renewTime, leaseTransitions: 3, resourceVersion: '7' };
}

test('decideTake: absent, ours, released, another holder renewing, another holder silent for a lease duration', () => {
  assert.deepEqual(decideTake(undefined, 'pg-2', 0, undefined, T), { kind: 'create' });
  assert.deepEqual(decideTake(lease('pg-2'), 'pg-2', 0, undefined, T), { kind: 'ours' });
  assert.deepEqual(decideTake(lease('', undefined, 1), 'pg-2', 0, undefined, T), { kind: 'claim', from: '' });
  // First sight of pg-1: wait, and remember when (our clock), whatever its renewTime says.
  const first = decideTake(lease('pg-1'), 'pg-2', 1_000, undefined, T);
  assert.equal(first.kind, 'wait');
  const seen = (first as { observation: Observation }).observation;
  assert.deepEqual(seen, { holder: 'pg-1', renewTime: '2026-12-07T08:00:00.000000Z', sinceMs: 1_000 });
  // Unchanged, but not yet for a full lease duration.
  assert.equal(decideTake(lease('pg-1'), 'pg-2', 15_999, seen, T).kind, 'wait');
  // Unchanged for 15 s: pg-1 stopped renewing.
  assert.deepEqual(decideTake(lease('pg-1'), 'pg-2', 16_000, seen, T), { kind: 'claim', from: 'pg-1' });
  // pg-1 renewed meanwhile: a new observation starts, no take-over.
  const renewed = decideTake(lease('pg-1', '2026-12-07T08:00:02.000000Z'), 'pg-2', 16_000, seen, T);
  assert.equal(renewed.kind, 'wait');
  assert.equal((renewed as { observation: Observation }).observation.sinceMs, 16_000);
  // A holder that wrote a longer duration than ours is waited for that long.
  assert.equal(decideTake(lease('pg-1', undefined, 60), 'pg-2', 16_000, seen, T).kind, 'wait');
});

test('decideRenewal: renew, recreate, lost to another identity or a release, stale before it expires, retry', () => {
  const base = { me: 'pg-1', readFailed: false, nowMs: 20_000, lastConfirmedMs: 18_000 };
  assert.deepEqual(decideRenewal({ ...base, record: lease('pg-1') }, T), { kind: 'renew' });
  assert.deepEqual(decideRenewal({ ...base, record: undefined }, T), { kind: 'recreate' });
  assert.deepEqual(decideRenewal({ ...base, record: lease('pg-3') }, T), { kind: 'lost', holder: 'pg-3' });
  assert.deepEqual(decideRenewal({ ...base, record: lease('') }, T), { kind: 'lost', holder: '' });
  assert.deepEqual(decideRenewal({ ...base, record: undefined, readFailed: true }, T), { kind: 'retry' });
  // 10.001 s without a confirmed write: fenced, even if the read still shows us (the others see a stale renewTime).
  assert.deepEqual(decideRenewal({ ...base, record: lease('pg-1'), lastConfirmedMs: 9_999 }, T), { kind: 'stale', ageMs: 10_001 });
  assert.deepEqual(decideRenewal({ ...base, record: undefined, readFailed: true, lastConfirmedMs: 5_000 }, T), { kind: 'stale', ageMs: 15_000 });
});

test('microTime writes the six fraction digits kube-apiserver parses', () => {
  assert.equal(microTime(Date.UTC(2026, 11, 7, 8, 0, 5, 123)), '2026-12-07T08:00:05.123000Z');
});
