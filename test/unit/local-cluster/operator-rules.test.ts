// The local operator's rules, CNPG's: instanceNames, the first election, a failover only past failoverDelay,
// pending until every WAL receiver stopped, then the most advanced replica (status.go Less).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareCandidates, lsnValue, operatorStep, switchoverPatch, type InstanceReport, type OperatorFacts } from '../../../src/local-cluster/operator-rules.js';

const NAMES = ['pg-1', 'pg-2', 'pg-3'];
const up = (name: string, extra: Partial<InstanceReport> = {}): InstanceReport => ({ name, reachable: true, ...extra });

function facts(status: Record<string, unknown>, reports: InstanceReport[], primaryDownSince?: number, failoverDelayMs = 0): OperatorFacts {
  return { clusterName: 'pg', instanceNames: NAMES, status: { instanceNames: NAMES, ...status }, reports, primaryDownSince, failoverDelayMs, now: 10_000 };
}

test('lsnValue orders LSNs numerically', () => {
  assert.ok(lsnValue('1/0') > lsnValue('0/FFFFFFFF'));
  assert.equal(lsnValue('bad'), 0n);
});

test('candidates sort as CNPG: reachable, primaries, receivedLsn, replayLsn, name', () => {
  const list = [
    { name: 'pg-4', reachable: false, receivedLsn: '9/0' },
    up('pg-3', { receivedLsn: '0/5000000', replayLsn: '0/4000000' }),
    up('pg-2', { receivedLsn: '0/5000000', replayLsn: '0/5000000' }),
    up('pg-1', { receivedLsn: '0/3000000' }),
    up('pg-5', { isPrimary: true }),
  ].sort(compareCandidates);
  assert.deepEqual(list.map((r) => r.name), ['pg-5', 'pg-2', 'pg-3', 'pg-1', 'pg-4']);
});

test('instanceNames, then the first election', () => {
  assert.deepEqual(operatorStep({ ...facts({}, []), status: {} }).patch, { instanceNames: NAMES });
  assert.equal(operatorStep(facts({}, [])).patch?.targetPrimary, 'pg-1');
});

test('a healthy primary: nothing; a switchover in progress: waits', () => {
  assert.equal(operatorStep(facts({ targetPrimary: 'pg-1', currentPrimary: 'pg-1' }, [])).patch, undefined);
  assert.match(String(operatorStep(facts({ targetPrimary: 'pg-2', currentPrimary: 'pg-1' }, [], 0)).waiting), /switchover to pg-2/);
});

test('an unreachable primary: pending only past failoverDelay', () => {
  const s = { targetPrimary: 'pg-1', currentPrimary: 'pg-1' };
  assert.match(String(operatorStep(facts(s, [], 9_000, 5_000)).waiting), /failover once it stays so for failoverDelay/);
  assert.equal(operatorStep(facts(s, [], 4_000, 5_000)).patch?.targetPrimary, 'pending');
  assert.equal(operatorStep(facts(s, [], 10_000, 0)).patch?.targetPrimary, 'pending');
});

test('pending: waits for the WAL receivers, then names the most advanced replica', () => {
  const s = { targetPrimary: 'pending', currentPrimary: 'pg-1' };
  const streaming = [{ name: 'pg-1', reachable: false }, up('pg-2', { isWalReceiverActive: true, receivedLsn: '0/6000000' }), up('pg-3', { receivedLsn: '0/5000000' })];
  assert.match(String(operatorStep(facts(s, streaming)).waiting), /WAL receivers/);
  const stopped = [{ name: 'pg-1', reachable: false }, up('pg-2', { receivedLsn: '0/5000000' }), up('pg-3', { receivedLsn: '0/6000000' })];
  assert.equal(operatorStep(facts(s, stopped)).patch?.targetPrimary, 'pg-3');
  assert.match(String(operatorStep(facts(s, [{ name: 'pg-2', reachable: false }])).waiting), /no healthy replica/);
});

test('switchover: only to an instance, only when none is in progress', () => {
  const s = { targetPrimary: 'pg-1', currentPrimary: 'pg-1' };
  assert.equal(switchoverPatch(NAMES, s, 'pg-2', 0).targetPrimary, 'pg-2');
  assert.throws(() => switchoverPatch(NAMES, s, 'pg-9', 0), /pg-9 is not an instance of this cluster/);
  assert.throws(() => switchoverPatch(NAMES, { targetPrimary: 'pg-2', currentPrimary: 'pg-1' }, 'pg-3', 0), /already in progress/);
});

// failoverQuorum (CNPG replicas_quorum.go): R + W > N over the standbys the primary last waited for.
test('failover quorum: the failover starts only when R + W > N, and never without a record', () => {
  const down = { targetPrimary: 'pg-1', currentPrimary: 'pg-1' };
  const replicas = [{ name: 'pg-1', reachable: false }, up('pg-2', { isPodReady: true }), up('pg-3', { isPodReady: true })];
  const record = { standbyNames: ['pg-2', 'pg-3'], standbyNumber: 1 };
  const started = operatorStep({ ...facts(down, replicas, 0), quorum: record });
  assert.equal(started.patch?.targetPrimary, 'pending');
  const oneLeft = operatorStep({ ...facts(down, [replicas[0] as InstanceReport, replicas[1] as InstanceReport, { name: 'pg-3', reachable: false }], 0), quorum: record });
  assert.equal(oneLeft.patch, undefined);
  assert.match(oneLeft.waiting ?? '', /failover quorum not met.*R=1 \(pg-2\), W=1, N=2/);
  // ANY 2 of two standbys: one is enough, every commit reached both.
  assert.equal(operatorStep({ ...facts(down, [replicas[0] as InstanceReport, replicas[1] as InstanceReport, { name: 'pg-3', reachable: false }], 0), quorum: { ...record, standbyNumber: 2 } }).patch?.targetPrimary, 'pending');
  assert.match(operatorStep({ ...facts(down, replicas, 0), quorum: null }).waiting ?? '', /no synchronous replication state/);
  // Without failoverQuorum the same facts fail over.
  assert.equal(operatorStep(facts(down, [replicas[0] as InstanceReport, replicas[1] as InstanceReport, { name: 'pg-3', reachable: false }], 0)).patch?.targetPrimary, 'pending');
});
