// The slot rules of CNPG (slots/reconciler, slots/runner): on the primary one HA slot per other instance,
// stale ones dropped unless active; on a replica the primary's slots copied and advanced; HA off removes them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lsnValue, planPrimarySlots, planReplicaSlots, type SlotSettings } from '../../../src/reconcile/slot-plan.js';
import type { SlotState } from '../../../src/db/replication-slots.js';

const ON: SlotSettings = { haEnabled: true, prefix: '_cnpg_', synchronizeUserSlots: true };
const OFF: SlotSettings = { ...ON, haEnabled: false };
const slot = (name: string, o: Partial<SlotState> = {}): SlotState => ({ name, active: false, restartLsn: '', holdsXmin: false, ...o });

test('primary: a slot for every other instance, none for itself', () => {
  const a = planPrimarySlots(ON, 'c-1', ['c-1', 'c-2', 'c-3'], [slot('_cnpg_c_2')]);
  assert.deepEqual(a.create, ['_cnpg_c_3']);
  assert.deepEqual(a.drop, []);
});

test('primary: stale HA slots dropped, an active one left for later, user slots untouched', () => {
  const a = planPrimarySlots(ON, 'c-1', ['c-1', 'c-2'], [slot('_cnpg_c_2'), slot('_cnpg_c_4'), slot('_cnpg_c_5', { active: true }), slot('_cnpg_c_1'), slot('mine')]);
  assert.deepEqual(a.create, []);
  assert.deepEqual(a.drop.sort(), ['_cnpg_c_1', '_cnpg_c_4']);
  assert.deepEqual(a.busy, ['_cnpg_c_5']);
});

test('HA slots disabled: every inactive HA slot goes, on the primary and on a replica', () => {
  const slots = [slot('_cnpg_c_2'), slot('_cnpg_c_3', { active: true }), slot('mine')];
  const p = planPrimarySlots(OFF, 'c-1', ['c-1', 'c-2', 'c-3'], slots);
  assert.deepEqual([p.create, p.drop, p.busy], [[], ['_cnpg_c_2'], ['_cnpg_c_3']]);
  const r = planReplicaSlots(OFF, 'c-2', [slot('_cnpg_c_3')], [slot('_cnpg_c_3', { restartLsn: '0/3000000' })]);
  assert.deepEqual([r.create, r.advance, r.drop], [[], [], ['_cnpg_c_3']]);
});

test('replica: the primary\'s slots copied (not its own), advanced forward only, unreserved ones skipped', () => {
  const primary = [slot('_cnpg_c_2', { restartLsn: '0/5000000' }), slot('_cnpg_c_3', { restartLsn: '0/4000000' }), slot('_cnpg_c_4'), slot('user_slot', { restartLsn: '0/1000000' })];
  const local = [slot('_cnpg_c_3', { restartLsn: '0/4000000' })];
  const a = planReplicaSlots(ON, 'c-2', local, primary);
  assert.deepEqual(a.create, ['user_slot']);
  assert.deepEqual(a.advance, [{ name: 'user_slot', lsn: '0/1000000' }]);
  assert.deepEqual(a.drop, []);
  const later = planReplicaSlots(ON, 'c-2', local, [slot('_cnpg_c_3', { restartLsn: '0/4A00000' })]);
  assert.deepEqual(later.advance, [{ name: '_cnpg_c_3', lsn: '0/4A00000' }]);
});

test('replica: local copies gone from the primary, its own name and copies holding xmin are dropped', () => {
  const local = [slot('_cnpg_c_2'), slot('_cnpg_c_5'), slot('_cnpg_c_3', { holdsXmin: true, restartLsn: '0/1' })];
  const a = planReplicaSlots(ON, 'c-2', local, [slot('_cnpg_c_3', { restartLsn: '0/1' })]);
  assert.deepEqual(a.drop.sort(), ['_cnpg_c_2', '_cnpg_c_3', '_cnpg_c_5']);
  assert.deepEqual(planReplicaSlots({ ...ON, synchronizeUserSlots: false }, 'c-2', [slot('user')], [slot('other', { restartLsn: '0/1' })]).drop, [], 'user slots are left alone without synchronizeReplicas');
});

test('LSNs compare as 64-bit numbers, not as text', () => {
  assert.ok(lsnValue('0/A000000') > lsnValue('0/9FFFFFF'));
  assert.ok(lsnValue('1/0') > lsnValue('0/FFFFFFFF'));
});
