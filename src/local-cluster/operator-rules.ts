// The operator's part of the contract, for the local three-instance cluster only (no operator runs on a
// laptop): CNPG's rules (internal/controller/replicas.go, pkg/postgres/status.go). It fills instanceNames,
// elects the first primary, and when the current primary stays unreachable past failoverDelay it first marks
// the failover pending (targetPrimary = "pending": the old primary, if it still runs, fences itself), waits
// until no replica's WAL receiver runs, then names the most advanced healthy replica; with failoverQuorum only
// when a quorum of the synchronous standbys is up (replicas_quorum.go). Pure: facts in, a
// status patch out (test/unit/local-cluster/operator-rules.test.ts).
import { parseLsn } from '../model/lsn.js';
import { PENDING_FAILOVER } from '../replication/role-decision.js';

/** One instance as its /pg/status showed it (undefined fields: unreachable). */
export interface InstanceReport {
  name: string;
  /** /pg/status answered. */
  reachable: boolean;
  isPrimary?: boolean;
  receivedLsn?: string;
  replayLsn?: string;
  currentLsn?: string;
  isWalReceiverActive?: boolean;
  timeLineID?: number;
  isPodReady?: boolean;
}

export interface OperatorFacts {
  clusterName: string;
  instanceNames: readonly string[];
  status: Record<string, unknown>;
  reports: readonly InstanceReport[];
  /** When the current primary was first seen unreachable (undefined: it is reachable). */
  primaryDownSince: number | undefined;
  failoverDelayMs: number;
  now: number;
  /**
   * spec.postgresql.synchronous.failoverQuorum: undefined when off; else the synchronous standbys the primary
   * last waited for, as recorded while it was up (null: never seen up by this operator).
   */
  quorum?: QuorumRecord | null;
}

/** CNPG api/v1 FailoverQuorumStatus: the primary's synchronous_standby_names, as names and number. */
export interface QuorumRecord {
  standbyNames: readonly string[];
  standbyNumber: number;
}

/**
 * CNPG replicas_quorum.go evaluateQuorumCheckWithStatus (Dynamo's R + W > N): N the standbys in
 * synchronous_standby_names, W the number each commit waited for, R those of them reachable and ready now. When
 * R + W > N one of the promotable replicas has every synchronously committed transaction. Returns why not, or undefined.
 */
export function quorumRefusal(record: QuorumRecord | null, reports: readonly InstanceReport[]): string | undefined {
  if (record === null) return 'no synchronous replication state of the primary is known';
  if (record.standbyNumber <= 0 || record.standbyNames.length === 0) return 'the primary had no synchronous standbys';
  const names = new Set(record.standbyNames);
  const readable = reports.filter((r) => r.reachable && r.isPodReady === true && names.has(r.name)).map((r) => r.name);
  if (readable.length + record.standbyNumber > names.size) return undefined;
  return `R + W > N fails: R=${readable.length} (${readable.join(', ') || 'none'}), W=${record.standbyNumber}, N=${names.size}`;
}

export interface OperatorStep {
  patch?: Record<string, unknown>;
  /** Why nothing (more) is done now, for one log line per change. */
  waiting?: string;
  /** Said once when the patch is written. */
  message?: string;
}

/** An LSN ("16/B374D848") as a bigint; 0 when missing or malformed. */
export function lsnValue(lsn: string | undefined): bigint {
  return parseLsn(lsn) ?? 0n;
}

/** CNPG status.go Less: errors last, primaries first, then highest receivedLsn, highest replayLsn, then name. */
export function compareCandidates(a: InstanceReport, b: InstanceReport): number {
  if (a.reachable !== b.reachable) return a.reachable ? -1 : 1;
  if ((a.isPrimary ?? false) !== (b.isPrimary ?? false)) return a.isPrimary ? -1 : 1;
  const received = lsnValue(b.receivedLsn) - lsnValue(a.receivedLsn);
  if (received !== 0n) return received > 0n ? 1 : -1;
  const replay = lsnValue(b.replayLsn) - lsnValue(a.replayLsn);
  if (replay !== 0n) return replay > 0n ? 1 : -1;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

function text(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function sameList(a: unknown, b: readonly string[]): boolean {
  return Array.isArray(a) && a.length === b.length && a.every((x, i) => x === b.at(i));
}

/** One step of the local operator. */
export function operatorStep(f: OperatorFacts): OperatorStep {
  if (!sameList(f.status.instanceNames, f.instanceNames)) return { patch: { instanceNames: [...f.instanceNames] }, message: 'instanceNames filled' };
  const target = text(f.status.targetPrimary);
  const current = text(f.status.currentPrimary);
  const stamp = new Date(f.now).toISOString();
  if (target === undefined) return { patch: { targetPrimary: f.instanceNames[0], targetPrimaryTimestamp: stamp }, message: `first primary elected: ${String(f.instanceNames[0])}` };
  if (target !== PENDING_FAILOVER && target !== current) return { waiting: `switchover to ${target} in progress (currentPrimary ${current ?? 'none'})` };
  if (target !== PENDING_FAILOVER && f.primaryDownSince === undefined) return {};
  if (target !== PENDING_FAILOVER) {
    const downMs = f.now - (f.primaryDownSince ?? f.now);
    if (downMs < f.failoverDelayMs) return { waiting: `primary ${target} unreachable; failover once it stays so for failoverDelay (${f.failoverDelayMs} ms)` };
    // CNPG checks the quorum before the failover starts (replicas.go): no quorum, no failover, the primary may come back.
    const refused = f.quorum === undefined ? undefined : quorumRefusal(f.quorum, f.reports);
    if (refused !== undefined) return { waiting: `primary ${target} unreachable; failover quorum not met, no replica promoted: ${refused}` };
    return { patch: { targetPrimary: PENDING_FAILOVER, targetPrimaryTimestamp: stamp, phase: 'Failing over', phaseReason: `primary ${target} unreachable` }, message: `primary ${target} unreachable: failover started` };
  }
  // Pending: every replica must have stopped receiving before the most advanced is chosen (CNPG ErrWalReceiversRunning).
  const replicas = f.reports.filter((r) => r.name !== current);
  if (replicas.some((r) => r.reachable && r.isWalReceiverActive === true)) return { waiting: 'failover: waiting for the replicas\u2019 WAL receivers to stop' };
  const best = [...replicas].filter((r) => r.reachable && r.isPrimary !== true).sort(compareCandidates)[0];
  if (!best) return { waiting: 'failover: no healthy replica to promote' };
  return { patch: { targetPrimary: best.name, targetPrimaryTimestamp: stamp, phase: 'Failing over', phaseReason: `promoting ${best.name}` }, message: `failover: promoting ${best.name} (receivedLsn ${best.receivedLsn ?? '-'})` };
}

/** The switchover request: targetPrimary = `instance` (refused, naming it, when it is not an instance). */
export function switchoverPatch(instanceNames: readonly string[], status: Record<string, unknown>, instance: string, now: number): Record<string, unknown> {
  if (!instanceNames.includes(instance)) throw new Error(`${instance} is not an instance of this cluster (${instanceNames.join(', ')})`);
  if (text(status.targetPrimary) !== text(status.currentPrimary)) throw new Error(`a switchover or failover is already in progress (targetPrimary ${String(status.targetPrimary)}, currentPrimary ${String(status.currentPrimary)})`);
  return { targetPrimary: instance, targetPrimaryTimestamp: new Date(now).toISOString(), phase: 'Switchover in progress', phaseReason: `switching over to ${instance}` };
}
