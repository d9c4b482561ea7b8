// What an instance does about its role, decided from three facts only: its role on disk (standby.signal or
// not), status.targetPrimary and status.currentPrimary (CNPG instance_controller.go reconcilePrimary /
// reconcileOldPrimary, instance_startup.go). The manager never elects itself: every transition follows the
// operator's targetPrimary (or, locally, the local-cluster command that plays the operator).
// Pure, so every case is one row of a table test (test/unit/replication/role-decision.test.ts).

/** CNPG's PendingFailoverMarker: the operator has started a failover and not yet chosen the new primary. */
export const PENDING_FAILOVER = 'pending';

export interface RoleFacts {
  /** This instance (the pod name). */
  me: string;
  /** standby.signal in PGDATA => replica (CNPG Instance.IsPrimary). */
  onDisk: 'primary' | 'replica';
  targetPrimary: string | undefined;
  currentPrimary: string | undefined;
  /** status.instanceNames; empty or missing when the operator has not filled it (then names are not checked). */
  instanceNames: readonly string[];
  /** The Cluster is a replica cluster (spec.replica, spec/replica-mode.ts): its primary is a standby of the source. */
  replicaCluster?: boolean;
}

export type RoleAction =
  /** Nothing to do about the role. */
  | { kind: 'stay'; reason: string }
  /** targetPrimary names an instance that does not exist: logged, nothing done (no promotion, no stop). */
  | { kind: 'unknown-target'; target: string }
  /** A replica named targetPrimary: lease, WAL receiver down, promote, CHECKPOINT, currentPrimary = me. */
  | { kind: 'promote'; failover: boolean }
  /** A primary that is not (or no longer) the target: stop (fast, then immediate) and come back as a replica. */
  | { kind: 'demote'; target: string };

function named(value: string | undefined): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The running instance's decision (checked on every Cluster version while postgres runs). */
export function decideRole(f: RoleFacts): RoleAction {
  const target = named(f.targetPrimary);
  if (target === undefined) return { kind: 'stay', reason: 'no targetPrimary yet' };
  if (f.replicaCluster === true) {
    // A replica cluster has no writable instance: its designated primary (the target) follows the external
    // source, the others follow it; a primary on disk is stopped and demoted at its next start (CNPG
    // instance_startup.go: "demoted immediately", no rewind).
    if (f.onDisk === 'primary') return { kind: 'demote', target };
    return { kind: 'stay', reason: target === f.me ? 'designated primary following the source cluster' : 'replica following the designated primary' };
  }
  if (target !== PENDING_FAILOVER && f.instanceNames.length > 0 && !f.instanceNames.includes(target)) {
    return { kind: 'unknown-target', target };
  }
  if (f.onDisk === 'replica') {
    if (target === f.me) return { kind: 'promote', failover: named(f.currentPrimary) !== undefined && f.currentPrimary !== f.me };
    return { kind: 'stay', reason: 'replica following the primary' };
  }
  // Primary on disk. A pending failover fences it too, as CNPG's reconcileOldPrimary does: the operator has
  // given up on it, and a primary that keeps writing while a replica is promoted is a split brain.
  if (target === f.me) return { kind: 'stay', reason: 'primary and target primary' };
  return { kind: 'demote', target };
}

export type StartAction =
  /** Start postgres as it is on disk. */
  | { kind: 'start'; reason: string }
  /** A former primary: wait until the promotion finished (currentPrimary == targetPrimary), then rewind. */
  | { kind: 'wait-promotion'; target: string }
  /** A former primary whose successor is in place: pg_rewind from it and start as its replica. */
  | { kind: 'rewind'; source: string }
  /** targetPrimary names an instance that does not exist: logged; started as it is. */
  | { kind: 'unknown-target'; target: string }
  /** A primary on disk in a replica cluster: standby.signal at once, no rewind (the demotion token is taken first). */
  | { kind: 'demote-to-replica-cluster' };

/** The decision before postgres starts (instance_startup.go): only a primary on disk that is not the target has work. */
export function decideStart(f: RoleFacts): StartAction {
  const target = named(f.targetPrimary);
  if (f.onDisk === 'replica') return { kind: 'start', reason: 'replica' };
  if (f.replicaCluster === true) return { kind: 'demote-to-replica-cluster' };
  if (target === undefined) return { kind: 'start', reason: 'no targetPrimary yet' };
  if (target === f.me) return { kind: 'start', reason: 'primary and target primary' };
  if (target !== PENDING_FAILOVER && f.instanceNames.length > 0 && !f.instanceNames.includes(target)) {
    return { kind: 'unknown-target', target };
  }
  if (target === PENDING_FAILOVER || named(f.currentPrimary) !== target) return { kind: 'wait-promotion', target };
  return { kind: 'rewind', source: target };
}
