// The role decisions, one row per case: what a running instance and a starting one do given the role on
// disk, targetPrimary and currentPrimary. No row may promote an instance the operator did not name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decideRole, decideStart, type RoleAction, type RoleFacts, type StartAction } from '../../../src/replication/role-decision.js';

const NAMES = ['pg-1', 'pg-2', 'pg-3'];

function facts(onDisk: RoleFacts['onDisk'], targetPrimary: string | undefined, currentPrimary: string | undefined, instanceNames = NAMES): RoleFacts {
  return { me: 'pg-2', onDisk, targetPrimary, currentPrimary, instanceNames };
}

function rc(f: RoleFacts): RoleFacts {
  return { ...f, replicaCluster: true };
}

const RUNNING: [string, RoleFacts, RoleAction['kind'], Partial<RoleAction>?][] = [
  ['replica, no target yet', facts('replica', undefined, undefined), 'stay'],
  ['replica, empty target', facts('replica', '', 'pg-1'), 'stay'],
  ['replica, another is target', facts('replica', 'pg-1', 'pg-1'), 'stay'],
  ['replica named target (switchover/failover)', facts('replica', 'pg-2', 'pg-1'), 'promote', { failover: true }],
  ['replica named target, no current primary', facts('replica', 'pg-2', undefined), 'promote', { failover: false }],
  ['replica named target, already current (promote interrupted)', facts('replica', 'pg-2', 'pg-2'), 'promote', { failover: false }],
  ['replica, pending failover', facts('replica', 'pending', 'pg-1'), 'stay'],
  ['replica, unknown target', facts('replica', 'pg-9', 'pg-1'), 'unknown-target', { target: 'pg-9' }],
  ['replica, target unchecked without instanceNames', facts('replica', 'pg-9', 'pg-1', []), 'stay'],
  ['primary and target', facts('primary', 'pg-2', 'pg-2'), 'stay'],
  ['primary and target, not yet current (first boot)', facts('primary', 'pg-2', undefined), 'stay'],
  ['primary, another is target', facts('primary', 'pg-3', 'pg-2'), 'demote', { target: 'pg-3' }],
  ['primary, pending failover fences it', facts('primary', 'pending', 'pg-2'), 'demote', { target: 'pending' }],
  ['primary, unknown target: nothing done', facts('primary', 'pg-9', 'pg-2'), 'unknown-target', { target: 'pg-9' }],
  ['primary, no target yet', facts('primary', undefined, undefined), 'stay'],
  // A replica cluster (spec.replica): nothing promotes; a primary on disk goes (its next start demotes it).
  ['replica cluster: designated primary follows the source', rc(facts('replica', 'pg-2', 'pg-2')), 'stay'],
  ['replica cluster: designated primary not yet current', rc(facts('replica', 'pg-2', undefined)), 'stay'],
  ['replica cluster: replica of the designated primary', rc(facts('replica', 'pg-1', 'pg-1')), 'stay'],
  ['replica cluster: the primary is demoted', rc(facts('primary', 'pg-2', 'pg-2')), 'demote', { target: 'pg-2' }],
  ['replica cluster: a primary not target is demoted', rc(facts('primary', 'pg-1', 'pg-1')), 'demote', { target: 'pg-1' }],
  ['replica mode off again: the designated primary is promoted', facts('replica', 'pg-2', 'pg-2'), 'promote', { failover: false }],
];

for (const [name, f, kind, extra] of RUNNING) {
  test(`decideRole: ${name} -> ${kind}`, () => {
    const action = decideRole(f);
    assert.equal(action.kind, kind);
    if (extra) assert.deepEqual({ ...action, ...extra }, action);
  });
}

const STARTING: [string, RoleFacts, StartAction['kind'], Partial<StartAction>?][] = [
  ['replica', facts('replica', 'pg-1', 'pg-1'), 'start'],
  ['replica named target starts first (promoted once running)', facts('replica', 'pg-2', 'pg-1'), 'start'],
  ['primary, no target', facts('primary', undefined, undefined), 'start'],
  ['primary and target', facts('primary', 'pg-2', 'pg-2'), 'start'],
  ['former primary, promotion not finished', facts('primary', 'pg-3', 'pg-2'), 'wait-promotion', { target: 'pg-3' }],
  ['former primary, pending failover', facts('primary', 'pending', 'pg-2'), 'wait-promotion'],
  ['former primary, successor in place', facts('primary', 'pg-3', 'pg-3'), 'rewind', { source: 'pg-3' }],
  ['former primary, unknown target', facts('primary', 'pg-9', 'pg-2'), 'unknown-target', { target: 'pg-9' }],
  ['replica cluster: primary on disk demoted at once (no rewind)', rc(facts('primary', 'pg-2', 'pg-2')), 'demote-to-replica-cluster'],
  ['replica cluster: primary on disk, no target yet', rc(facts('primary', undefined, undefined)), 'demote-to-replica-cluster'],
  ['replica cluster: a replica starts as it is', rc(facts('replica', 'pg-2', 'pg-2')), 'start'],
];

for (const [name, f, kind, extra] of STARTING) {
  test(`decideStart: ${name} -> ${kind}`, () => {
    const action = decideStart(f);
    assert.equal(action.kind, kind);
    if (extra) assert.deepEqual({ ...action, ...extra }, action);
  });
}

test('no decision promotes an instance the target does not name', () => {
  const values = [undefined, '', 'pending', 'pg-1', 'pg-3', 'pg-9'];
  for (const target of values) {
    for (const current of values) {
      for (const onDisk of ['primary', 'replica'] as const) {
        const action = decideRole({ me: 'pg-2', onDisk, targetPrimary: target, currentPrimary: current, instanceNames: NAMES });
        assert.notEqual(action.kind, 'promote', `target ${String(target)} current ${String(current)} ${onDisk}`);
        assert.notEqual(decideRole({ me: 'pg-2', onDisk, targetPrimary: target, currentPrimary: current, instanceNames: NAMES, replicaCluster: true }).kind, 'promote', 'a replica cluster never promotes');
      }
    }
  }
});
