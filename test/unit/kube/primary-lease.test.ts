// PrimaryLease over a fake LeaseApi that keeps resourceVersions as kube-apiserver does (409 on a stale one):
// two candidates race for an absent Lease and exactly one wins; the holder renews; a released Lease is taken
// at once; a holder that finds another identity, or cannot write for the renew deadline, calls onLost once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KubeApiError } from '../../../src/kube/kube-api.js';
import type { LeaseApi, LeaseRecord } from '../../../src/kube/lease-api.js';
import { PrimaryLease } from '../../../src/kube/primary-lease.js';
import { captureLogger } from '../log/capture-logger.js';

const FAST = { leaseDurationMs: 300, renewDeadlineMs: 200, retryPeriodMs: 20 };

class FakeLeases implements LeaseApi {
  record: LeaseRecord | undefined;
  version = 1;
  down = false;
  writes: string[] = [];
  /** When the last write was applied (the moment the others may first see its renewTime). */
  lastWriteAt = 0;
  gets = 0;

  get(): Promise<LeaseRecord | undefined> {
    this.gets += 1;
    if (this.down) return Promise.reject(new KubeApiError('get leases', 0, 'connect ECONNREFUSED'));
    return Promise.resolve(this.record && { ...this.record });
  }

  create(_name: string, r: Omit<LeaseRecord, 'resourceVersion'>): Promise<LeaseRecord> {
    if (this.down) return Promise.reject(new KubeApiError('create leases', 0, 'connect ECONNREFUSED'));
    if (this.record) return Promise.reject(new KubeApiError('create leases', 409, 'already exists'));
    return Promise.resolve(this.#store(r));
  }

  replace(_name: string, r: LeaseRecord): Promise<LeaseRecord> {
    if (this.down) return Promise.reject(new KubeApiError('update leases', 0, 'connect ECONNREFUSED'));
    if (r.resourceVersion !== this.record?.resourceVersion) return Promise.reject(new KubeApiError('update leases', 409, 'the object has been modified'));
    return Promise.resolve(this.#store(r));
  }

  #store(r: Omit<LeaseRecord, 'resourceVersion'>): LeaseRecord {
    this.version += 1;
    this.record = { ...r, resourceVersion: String(this.version) };
    this.writes.push(r.holderIdentity);
    this.lastWriteAt = Date.now();
    return { ...this.record };
  }
}

function lease(api: FakeLeases, identity: string, timings = FAST): PrimaryLease {
  return new PrimaryLease({ leases: () => Promise.resolve(api), name: 'pg', identity, log: captureLogger().root, timings });
}

test('two candidates for an absent Lease: one holds it, the other waits; a release hands it over at once', async () => {
  const api = new FakeLeases();
  const [a, b] = [lease(api, 'pg-1'), lease(api, 'pg-2')];
  const stop = new AbortController();
  const [ra, rb] = await Promise.all([a.acquire(stop.signal, 100), b.acquire(stop.signal, 100)]);
  assert.deepEqual([ra.held, rb.held].sort(), [false, true], 'exactly one holds it');
  const [winner, loser] = ra.held ? [a, b] : [b, a];
  const loserName = ra.held ? 'pg-2' : 'pg-1';
  const waiting = ra.held ? rb : ra;
  assert.equal(waiting.held ? 'held' : waiting.holder, api.record?.holderIdentity, 'the loser names the holder');
  // The holder renews: renewTime moves while held, one PUT a round and no GET (its last copy has the version).
  const before = api.record?.renewTime;
  const [gets, writes] = [api.gets, api.writes.length];
  await new Promise((r) => setTimeout(r, 80));
  assert.notEqual(api.record?.renewTime, before);
  assert.ok(api.writes.length > writes);
  assert.equal(api.gets - gets, 0, 'renewals do not read');
  await winner.release();
  assert.equal(api.record?.holderIdentity, '');
  assert.equal((await loser.acquire(stop.signal, 100)).held, true);
  assert.equal(api.record?.holderIdentity, loserName);
  assert.equal(api.record?.leaseTransitions, 1);
  await loser.release();
});

test('a holder that finds another identity in the Lease calls onLost once, naming it', async () => {
  const api = new FakeLeases();
  const a = lease(api, 'pg-1');
  const lost: string[] = [];
  a.onLost((reason) => lost.push(reason));
  assert.equal((await a.acquire(new AbortController().signal)).held, true);
  api.record = { ...(api.record as LeaseRecord), holderIdentity: 'pg-3', resourceVersion: '99' };
  const deadline = Date.now() + 2_000;
  while (lost.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(lost, ['the primary Lease pg is held by pg-3']);
  assert.equal(a.held, false);
  await a.release();
  assert.equal(api.record?.holderIdentity, 'pg-3', 'a lost Lease is not released');
});

test('a holder that cannot reach the API fences itself before the Lease expires for the others', async () => {
  const api = new FakeLeases();
  const a = lease(api, 'pg-1', { leaseDurationMs: 1500, renewDeadlineMs: 600, retryPeriodMs: 50 });
  let lostAt = 0;
  a.onLost(() => (lostAt = Date.now()));
  await a.acquire(new AbortController().signal);
  api.down = true;
  const lastWrite = api.lastWriteAt;
  const deadline = Date.now() + 3_000;
  while (lostAt === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  assert.ok(lostAt > 0, 'onLost was called');
  // Fenced after the renew deadline (600 ms from the last write's sending; a timer may fire a millisecond or two
  // early), before the others may take over (1.5 s after they first saw it).
  assert.ok(lostAt - lastWrite >= 595 && lostAt - lastWrite < 1500, `fenced after ${lostAt - lastWrite} ms`);
});

test('a candidate that cannot reach the API reports it, and does not hold the Lease', async () => {
  const api = new FakeLeases();
  api.down = true;
  const log = captureLogger();
  const a = new PrimaryLease({ leases: () => Promise.resolve(api), name: 'pg', identity: 'pg-2', log: log.root, timings: FAST });
  const got = await a.acquire(new AbortController().signal, 100);
  assert.equal(got.held, false);
  assert.match(got.held ? '' : (got.unreachable ?? ''), /no answer from the API server/);
  assert.equal(log.entries().filter((e) => typeof e.msg === 'string' && e.msg.includes('cannot be reached')).length, 1, 'one log line, not one per attempt');
});

test('a Lease lost before anyone listens is told to the first onLost callback', async () => {
  const api = new FakeLeases();
  const a = lease(api, 'pg-1', { leaseDurationMs: 1500, renewDeadlineMs: 100, retryPeriodMs: 20 });
  await a.acquire(new AbortController().signal);
  api.down = true;
  const deadline = Date.now() + 2000;
  while (a.held && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  assert.equal(a.held, false, 'lost while no callback was registered');
  const told: string[] = [];
  a.onLost((reason) => told.push(reason));
  assert.equal(told.length, 1);
  assert.match(told[0] ?? '', /could not be renewed/);
});
