// The role plan as a table: creation in inRoles order, reserved and unmanaged roles left alone, ALTER on an
// attribute or password change (CNPG roles.go evaluateNextRoleActions), comment and membership diffs, absent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dependencyOrder, planRoles, type PasswordState, type RolePlanInput, type SecretRead } from '../../../src/roles/role-plan.js';
import type { DbRole } from '../../../src/db/managed-roles.js';
import type { ManagedRole } from '../../../src/spec/validate-managed-roles.js';

const role = (name: string, o: Partial<ManagedRole> = {}): ManagedRole => ({
  name, ensure: 'present', comment: '', disablePassword: false, superuser: false, createdb: false, createrole: false,
  inherit: true, login: false, replication: false, bypassrls: false, connectionLimit: -1, inRoles: [], ...o,
});
const db = (name: string, o: Partial<DbRole> = {}): DbRole => ({
  name, superuser: false, inherit: true, createrole: false, createdb: false, login: false, replication: false, bypassrls: false,
  connectionLimit: -1, validUntil: null, comment: '', transactionId: 100, inRoles: [], ...o,
});
const input = (declared: ManagedRole[], existing: DbRole[], o: { applied?: [string, PasswordState][]; secrets?: [string, SecretRead][] } = {}): RolePlanInput => ({
  declared, existing, applied: new Map(o.applied ?? []), secrets: new Map(o.secrets ?? []),
});
// Every declared role already applied at xmin 100 with no Secret: only real differences plan a step.
const settled = (names: string[]): [string, PasswordState][] => names.map((n) => [n, { transactionID: 100, resourceVersion: '' }]);
const kinds = (i: RolePlanInput): string[] => planRoles(i).steps.map((s) => `${s.kind} ${s.kind === 'drop' ? s.name : s.role.name}`);
const SYSTEM = [db('postgres', { superuser: true }), db('streaming_replica'), db('cnpg_metrics_exporter'), db('pg_monitor'), db('pg_signal_backend')];

test('roles are created after the declared roles they join, whatever the declaration order', () => {
  const declared = [role('c', { inRoles: ['b'] }), role('b', { inRoles: ['a', 'pg_monitor'] }), role('a')];
  assert.deepEqual(kinds(input(declared, SYSTEM)), ['create a', 'create b', 'create c']);
});

const cases: { name: string; declared: ManagedRole[]; existing: DbRole[]; steps: string[]; pending?: string[]; reconciled?: string[] }[] = [
  { name: 'nothing differs: no step, reconciled', declared: [role('dante', { login: true })], existing: [db('dante', { login: true })], steps: [], reconciled: ['dante'] },
  { name: 'an attribute differs: ALTER', declared: [role('dante', { login: true })], existing: [db('dante')], steps: ['alter dante'], pending: ['dante'] },
  { name: 'connection limit differs: ALTER', declared: [role('dante', { connectionLimit: 4 })], existing: [db('dante')], steps: ['alter dante'] },
  { name: 'validUntil declared and unset: ALTER', declared: [role('d', { validUntil: '2053-04-12T15:04:05.000Z' })], existing: [db('d')], steps: ['alter d'] },
  { name: 'validUntil equal: nothing', declared: [role('d', { validUntil: '2053-04-12T15:04:05.000Z' })], existing: [db('d', { validUntil: Date.parse('2053-04-12T15:04:05Z') })], steps: [] },
  { name: 'validUntil undeclared and infinity in the catalog: nothing', declared: [role('d')], existing: [db('d', { validUntil: Infinity })], steps: [] },
  { name: 'comment only: COMMENT', declared: [role('d', { comment: 'hi' })], existing: [db('d')], steps: ['comment d'] },
  { name: 'memberships only: GRANT/REVOKE', declared: [role('d', { inRoles: ['pg_monitor'] })], existing: [db('d', { inRoles: ['pg_signal_backend'] })], steps: ['memberships d'] },
  { name: 'all three in one round', declared: [role('d', { login: true, comment: 'x', inRoles: ['pg_monitor'] })], existing: [db('d')], steps: ['alter d', 'comment d', 'memberships d'] },
  { name: 'absent and present in the catalog: DROP, after the rest', declared: [role('old', { ensure: 'absent' }), role('new')], existing: [db('old')], steps: ['create new', 'drop old'] },
  { name: 'absent and not in the catalog: reconciled', declared: [role('old', { ensure: 'absent' })], existing: [], steps: [], reconciled: ['old'] },
];
for (const c of cases) {
  test(`plan: ${c.name}`, () => {
    const i = input(c.declared, [...SYSTEM, ...c.existing], { applied: settled(c.declared.map((r) => r.name)) });
    assert.deepEqual(kinds(i), c.steps);
    const plan = planRoles(i);
    if (c.pending) assert.deepEqual(plan.byStatus['pending-reconciliation'], c.pending);
    if (c.reconciled) assert.deepEqual(plan.byStatus.reconciled, c.reconciled);
  });
}

test('memberships: the grant and revoke lists are the differences', () => {
  const plan = planRoles(input([role('d', { inRoles: ['pg_monitor', 'a'] })], [...SYSTEM, db('a'), db('d', { inRoles: ['a', 'pg_signal_backend'] })], { applied: settled(['d']) }));
  assert.deepEqual(plan.steps, [{ kind: 'memberships', role: role('d', { inRoles: ['pg_monitor', 'a'] }), grant: ['pg_monitor'], revoke: ['pg_signal_backend'] }]);
});

test('reserved and unmanaged roles are reported, never touched; pg_* roles are not listed', () => {
  const plan = planRoles(input([role('dante')], [...SYSTEM, db('someone'), db('dante')], { applied: settled(['dante']) }));
  assert.deepEqual(plan.steps, []);
  assert.deepEqual(plan.byStatus, { reconciled: ['dante'], 'not-managed': ['someone'], 'pending-reconciliation': [], reserved: ['cnpg_metrics_exporter', 'postgres', 'streaming_replica'] });
});

test('password: ALTER when the Secret version changed, or the role was altered by someone else (xmin moved)', () => {
  const base = { applied: [['d', { transactionID: 100, resourceVersion: 'v1' }]] as [string, PasswordState][] };
  assert.deepEqual(kinds(input([role('d')], [db('d')], { ...base, secrets: [['d', { version: 'v1' }]] })), []);
  assert.deepEqual(kinds(input([role('d')], [db('d')], { ...base, secrets: [['d', { version: 'v2' }]] })), ['alter d']);
  assert.deepEqual(kinds(input([role('d')], [db('d', { transactionId: 101 })], { ...base, secrets: [['d', { version: 'v1' }]] })), ['alter d']);
  // Never applied by us: applied once (a role adopted, or a status lost).
  assert.deepEqual(kinds(input([role('d')], [db('d')])), ['alter d']);
});

test('the validUntil removed from the spec becomes infinity (PostgreSQL cannot set it back to NULL)', () => {
  const plan = planRoles(input([role('d')], [db('d', { validUntil: Date.parse('2030-01-01T00:00:00Z') })], { applied: settled(['d']) }));
  assert.deepEqual(plan.steps.map((s) => s.kind === 'alter' && s.validUntilInfinity), [true]);
});

test('bad input blocks only that role: an inRoles name that is nowhere, a missing Secret; the others go on', () => {
  const declared = [role('lost', { inRoles: ['ghost'] }), role('nosecret', { passwordSecret: 's' }), role('fine'), role('child', { inRoles: ['lost'] }), role('gone', { ensure: 'absent' }), role('wants-gone', { inRoles: ['gone'] })];
  const plan = planRoles(input(declared, SYSTEM, { secrets: [['nosecret', { error: 'password secret s does not exist' }]] }));
  assert.deepEqual(plan.steps.map((s) => s.kind !== 'drop' && s.role.name), ['fine']);
  assert.deepEqual(Object.fromEntries(plan.blocked), {
    lost: ['inRoles: role "ghost" does not exist and is not declared in spec.managed.roles'],
    nosecret: ['password secret s does not exist'],
    child: ['inRoles: waits for role "lost", which cannot be reconciled'],
    'wants-gone': ['inRoles: role "gone" is declared absent'],
  });
  assert.deepEqual(plan.byStatus['pending-reconciliation'], ['child', 'fine', 'lost', 'nosecret', 'wants-gone']);
});

test('a membership cycle blocks the roles in it, not the others', () => {
  const order = dependencyOrder([role('a', { inRoles: ['b'] }), role('b', { inRoles: ['a'] }), role('c')]);
  assert.deepEqual([order.ordered.map((r) => r.name), order.cyclic.map((r) => r.name)], [['c'], ['a', 'b']]);
  const plan = planRoles(input([role('a', { inRoles: ['b'] }), role('b', { inRoles: ['a'] }), role('c')], SYSTEM));
  assert.deepEqual(kinds(input([role('a', { inRoles: ['b'] }), role('b', { inRoles: ['a'] }), role('c')], SYSTEM)), ['create c']);
  assert.match(plan.blocked.get('a')?.[0] ?? '', /membership cycle among "a", "b"/);
});

test('a role may be named like an Object property ("__proto__", "constructor")', () => {
  const plan = planRoles(input([role('__proto__', { inRoles: ['nope'] }), role('constructor', { inRoles: ['__proto__'] })], SYSTEM));
  assert.deepEqual([...plan.blocked.keys()], ['__proto__', 'constructor']);
});
