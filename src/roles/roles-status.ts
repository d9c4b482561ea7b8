// status.managedRolesStatus (CNPG api/v1 ManagedRoles) as a JSON merge patch (RFC 7386): a merge patch merges
// maps key by key, so a status or a role that is gone is sent as null, or it would stay in the status forever.
import type { PasswordState, RoleStatus } from './role-plan.js';

export interface ManagedRolesStatus {
  byStatus: Record<RoleStatus, string[]>;
  /** Role names are any text (even "__proto__"): maps until the patch is built with Object.fromEntries. */
  cannotReconcile: ReadonlyMap<string, string[]>;
  passwordStatus: ReadonlyMap<string, PasswordState>;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The passwordStatus recorded in a Cluster status as read (unknown shapes ignored). */
export function recordedPasswords(status: Record<string, unknown>): Map<string, PasswordState> {
  const managed = status.managedRolesStatus;
  const recorded = isRecord(managed) && isRecord(managed.passwordStatus) ? managed.passwordStatus : {};
  const result = new Map<string, PasswordState>();
  for (const [role, state] of Object.entries(recorded)) {
    if (!isRecord(state)) continue;
    // resourceVersion and transactionID are omitempty in CNPG: absent means '' and 0.
    result.set(role, { transactionID: typeof state.transactionID === 'number' ? state.transactionID : 0, resourceVersion: typeof state.resourceVersion === 'string' ? state.resourceVersion : '' });
  }
  return result;
}

/** The role names under cannotReconcile in a Cluster status as read. */
export function recordedProblemRoles(status: Record<string, unknown>): string[] {
  const managed = status.managedRolesStatus;
  return isRecord(managed) && isRecord(managed.cannotReconcile) ? Object.keys(managed.cannotReconcile) : [];
}

/** The merge patch that turns a status holding `previousProblems` (role names) into `next`. */
export function managedRolesPatch(next: ManagedRolesStatus, previousProblems: readonly string[]): Record<string, unknown> {
  const byStatus = Object.fromEntries(Object.entries(next.byStatus).map(([status, roles]) => [status, roles.length > 0 ? roles : null]));
  const problems = next.cannotReconcile;
  const gone = previousProblems.filter((r) => !problems.has(r)).map((r): [string, null] => [r, null]);
  const cannotReconcile = problems.size === 0 ? null : Object.fromEntries([...gone, ...problems]);
  return { managedRolesStatus: { byStatus, cannotReconcile, passwordStatus: Object.fromEntries(next.passwordStatus) } };
}
