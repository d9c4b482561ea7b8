// The pure half of declarative role management: from the declared roles, the catalog and what was last
// applied, the steps that bring PostgreSQL in line and the status of every role (CNPG
// internal/management/controller/roles/roles.go evaluateNextRoleActions). Beyond CNPG: the steps follow
// inRoles (a role is created after the roles it joins), every needed step of a role is taken in one round,
// and an inRoles entry that names no role (nor a declared one) is reported before any SQL runs.
import type { DbRole } from '../db/managed-roles.js';
import { isReservedRole, type ManagedRole } from '../spec/validate-managed-roles.js';

/** status.managedRolesStatus.byStatus keys (CNPG api/v1 RoleStatus). */
export type RoleStatus = 'reconciled' | 'not-managed' | 'pending-reconciliation' | 'reserved';

/** status.managedRolesStatus.passwordStatus entries (CNPG api/v1 PasswordState). */
export interface PasswordState {
  transactionID: number;
  resourceVersion: string;
}

/** What the password Secret of a role gave this round: its version, or why it could not be used. */
export type SecretRead = { version: string } | { error: string };

export type RoleStep =
  | { kind: 'create'; role: ManagedRole }
  | { kind: 'alter'; role: ManagedRole; validUntilInfinity: boolean }
  | { kind: 'comment'; role: ManagedRole }
  | { kind: 'memberships'; role: ManagedRole; grant: string[]; revoke: string[] }
  | { kind: 'drop'; name: string };

export interface RolePlanInput {
  declared: readonly ManagedRole[];
  existing: readonly DbRole[];
  /** The passwordStatus last recorded, by role. */
  applied: ReadonlyMap<string, PasswordState>;
  /** Per declared role with a passwordSecret (and ensure present). */
  secrets: ReadonlyMap<string, SecretRead>;
}

export interface RolePlan {
  /** In the order to run them: each role after the roles it joins, drops last. */
  steps: RoleStep[];
  byStatus: Record<RoleStatus, string[]>;
  /** Roles left alone this round, with why. */
  blocked: Map<string, string[]>;
}

function sameAttributes(db: DbRole, role: ManagedRole): boolean {
  const keys = ['superuser', 'createdb', 'createrole', 'inherit', 'login', 'replication', 'bypassrls', 'connectionLimit'] as const;
  // eslint-disable-next-line security/detect-object-injection -- a fixed list of attribute names
  return keys.every((k) => db[k] === role[k]) && sameValidUntil(db, role);
}

// CNPG hasSameValidUntilAs: an undeclared expiry matches none or infinity.
function sameValidUntil(db: DbRole, role: ManagedRole): boolean {
  if (role.validUntil === undefined) return db.validUntil === null || db.validUntil === Infinity;
  return db.validUntil === Date.parse(role.validUntil);
}

// CNPG passwordNeedsUpdating: the Secret changed, or the role was altered since we last did (xmin moved).
function passwordOutdated(db: DbRole, role: ManagedRole, input: RolePlanInput): boolean {
  const last = input.applied.get(role.name);
  const read = input.secrets.get(role.name);
  const version = read !== undefined && 'version' in read ? read.version : '';
  return last === undefined || last.resourceVersion !== version || last.transactionID !== db.transactionId;
}

/** The declared present roles ordered so each comes after the declared roles it joins; the rest form cycles. */
export function dependencyOrder(roles: readonly ManagedRole[]): { ordered: ManagedRole[]; cyclic: ManagedRole[] } {
  const pending = new Map(roles.map((r) => [r.name, r]));
  const ordered: ManagedRole[] = [];
  for (let progress = true; progress; ) {
    progress = false;
    for (const role of pending.values()) {
      if (role.inRoles.some((parent) => parent !== role.name && pending.has(parent))) continue;
      ordered.push(role);
      pending.delete(role.name);
      progress = true;
    }
  }
  return { ordered, cyclic: [...pending.values()] };
}

// Why a present role cannot be reconciled before any SQL: its Secret, or an inRoles entry naming nothing.
function problems(role: ManagedRole, input: RolePlanInput, exists: (name: string) => boolean, absent: Set<string>, present: Set<string>): string[] {
  const found: string[] = [];
  const read = input.secrets.get(role.name);
  if (read !== undefined && 'error' in read) found.push(read.error);
  for (const parent of role.inRoles) {
    if (parent === role.name) found.push(`inRoles: role "${parent}" cannot be a member of itself`);
    else if (absent.has(parent)) found.push(`inRoles: role "${parent}" is declared absent`);
    else if (!present.has(parent) && !exists(parent)) found.push(`inRoles: role "${parent}" does not exist and is not declared in spec.managed.roles`);
  }
  return found;
}

/** Plans one round. */
export function planRoles(input: RolePlanInput): RolePlan {
  const db = new Map(input.existing.map((r) => [r.name, r]));
  const declared = new Map(input.declared.map((r) => [r.name, r]));
  const absent = new Set(input.declared.filter((r) => r.ensure === 'absent').map((r) => r.name));
  const presentRoles = input.declared.filter((r) => r.ensure === 'present');
  const present = new Set(presentRoles.map((r) => r.name));
  const plan: RolePlan = { steps: [], byStatus: { reconciled: [], 'not-managed': [], 'pending-reconciliation': [], reserved: [] }, blocked: new Map() };
  const block = (name: string, why: string[]): void => {
    plan.blocked.set(name, why);
    plan.byStatus['pending-reconciliation'].push(name);
  };
  const { ordered, cyclic } = dependencyOrder(presentRoles);
  for (const role of cyclic) block(role.name, [`inRoles: a membership cycle among ${cyclic.map((r) => `"${r.name}"`).join(', ')}`]);
  for (const role of ordered) {
    const why = problems(role, input, (n) => db.has(n), absent, present);
    // A role joining one that is blocked and not created yet would fail on its missing parent.
    for (const parent of role.inRoles) if (plan.blocked.has(parent) && !db.has(parent)) why.push(`inRoles: waits for role "${parent}", which cannot be reconciled`);
    if (why.length > 0) {
      block(role.name, why);
      continue;
    }
    const before = plan.steps.length;
    const current = db.get(role.name);
    if (current === undefined) {
      plan.steps.push({ kind: 'create', role });
    } else {
      if (!sameAttributes(current, role) || passwordOutdated(current, role, input)) {
        plan.steps.push({ kind: 'alter', role, validUntilInfinity: role.validUntil === undefined && current.validUntil !== null });
      }
      if (current.comment !== role.comment) plan.steps.push({ kind: 'comment', role });
      const grant = role.inRoles.filter((r) => !current.inRoles.includes(r));
      const revoke = current.inRoles.filter((r) => !role.inRoles.includes(r));
      if (grant.length + revoke.length > 0) plan.steps.push({ kind: 'memberships', role, grant, revoke });
    }
    plan.byStatus[plan.steps.length > before ? 'pending-reconciliation' : 'reconciled'].push(role.name);
  }
  for (const role of input.declared.filter((r) => r.ensure === 'absent')) {
    if (db.has(role.name)) plan.steps.push({ kind: 'drop', name: role.name });
    plan.byStatus[db.has(role.name) ? 'pending-reconciliation' : 'reconciled'].push(role.name);
  }
  // Roles nobody declared: PostgreSQL's own (pg_*) are not listed, as CNPG's List() leaves them out.
  for (const name of db.keys()) {
    if (declared.has(name) || name.startsWith('pg_')) continue;
    plan.byStatus[isReservedRole(name) ? 'reserved' : 'not-managed'].push(name);
  }
  for (const list of Object.values(plan.byStatus)) list.sort();
  return plan;
}
