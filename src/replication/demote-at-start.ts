// A former primary's next start, before postgres runs (CNPG instance_startup.go, instance.go Rewind/Demote):
// while it is primary on disk but not targetPrimary it waits for the promotion to finish (currentPrimary ==
// targetPrimary), keeps pg_control aside, writes a configuration file outside PGDATA, runs pg_rewind from the
// new primary, and turns PGDATA into a replica (standby.signal; the caller then regenerates every
// per-instance file, which pg_rewind replaced with the source's). A rewind that failed after it began writing,
// or a WAL gap, leads to a re-clone (the join path; the old PGDATA is moved aside, never deleted) instead of
// blind retries (CNPG #1836, #3698); a failure before it began is retried every 5 s. A former primary whose WAL
// ends before the new timeline's switch point (a clean switchover) follows the new primary as it is, as soon
// as the new primary's timeline history proves its promotion (follow-check.ts): no pg_rewind, and no wait for
// the promotion's CHECKPOINT and status patch.
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PGDATA_FILES } from '../config/constants.js';
import { describeError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { Cluster } from '../spec/cluster.js';
import { isReplicaCluster } from '../spec/replica-mode.js';
import { decideStart, PENDING_FAILOVER } from './role-decision.js';
import type { RewindOutcome } from './pg-rewind.js';
import { dropPgControlCopy, guardPgControl, writeRewindConfig } from './rewind-files.js';

export interface DemoteAtStartOptions {
  me: string;
  pgData: string;
  log: Logger;
  roleOnDisk: () => Promise<'primary' | 'replica'>;
  /** A fresh read of the Cluster (the status changes while this waits). */
  load: () => Promise<Cluster>;
  /** --config-file's path, outside PGDATA. */
  configFile: string;
  /** restore_command for --restore-target-wal (undefined: no object store, pg_rewind reads pg_wal only). */
  restoreCommand?: (cluster: Cluster) => string | undefined;
  /** One pg_rewind run from `source` (pg-rewind.ts). */
  rewind: (source: string, cluster: Cluster) => Promise<RewindOutcome>;
  /** Undefined once the old postmaster and its children are gone (old-postmaster.ts), else what still runs. */
  oldPostmasterGone?: () => Promise<string | undefined>;
  /**
   * With an object store: archives the `.ready` WAL files first (archive-ready-wal.ts). A failure is retried
   * every retryMs and never leads to a re-clone, which would move the unarchived WAL aside with PGDATA.
   */
  archiveReady?: (cluster: Cluster) => Promise<number>;
  /**
   * Before a primary becomes a replica cluster's standby, with an object store: archives its `.ready` WAL and its
   * last segment as `.partial` (archive-partial-wal.ts), so that a replica cluster reading only the store can
   * replay up to the token's checkpoint. A failure is retried every retryMs before the token is reported.
   */
  archiveLast?: (cluster: Cluster) => Promise<string | undefined>;
  /** Before a primary becomes a replica cluster's standby: reports its demotion token (pg_controldata of the clean stop). */
  demotionToken?: (cluster: Cluster) => Promise<void>;
  /**
   * Whether this stopped PGDATA can follow `source` as it is (follow-check.ts; false when the source cannot be
   * asked). Tried before each pg_rewind, and every FOLLOW_PROBE_MS while the promotion is not reported yet.
   */
  followsAsIs?: (source: string, cluster: Cluster) => Promise<boolean>;
  /** Clones PGDATA again from `source` (moving the old one aside). */
  reclone: (source: string, cluster: Cluster) => Promise<void>;
  /** Between reads of the Cluster while waiting for the promotion, after the first FAST_WAIT_MS (default 200). */
  pollMs?: number;
  retryMs?: number;
  /** pg_rewind attempts that failed before writing, before a re-clone is tried instead. */
  maxRetries?: number;
}

/** How long the wait for the promotion reads the Cluster every FAST_POLL_MS before slowing down to pollMs. */
export const FAST_WAIT_MS = 5000;
export const FAST_POLL_MS = 25;
/** How often a waiting former primary asks the target whether it already promoted (one replication connection). */
export const FOLLOW_PROBE_MS = 50;

/** What happened: nothing to do, rewound, or cloned again. Resolves with the Cluster to write the files for. */
export async function demoteAtStart(o: DemoteAtStartOptions, signal: AbortSignal): Promise<{ outcome: 'none' | 'rewound' | 'followed' | 'recloned' | 'demoted'; cluster: Cluster }> {
  const since = Date.now();
  let nextProbe = 0;
  let waiting = '';
  let failures = 0;
  let saidLeft: string | undefined;
  for (;;) {
    const cluster = await o.load();
    const names = Array.isArray(cluster.status.instanceNames) ? cluster.status.instanceNames.filter((n): n is string => typeof n === 'string') : [];
    const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
    const action = decideStart({ me: o.me, onDisk: await o.roleOnDisk(), targetPrimary: str(cluster.status.targetPrimary), currentPrimary: str(cluster.status.currentPrimary), instanceNames: names, replicaCluster: isReplicaCluster(cluster) });
    // Proven by the target's timeline history while its promotion is not reported yet: follow it, no rewind.
    let followable = false;
    switch (action.kind) {
      case 'demote-to-replica-cluster': {
        const left = await o.oldPostmasterGone?.();
        if (left !== undefined) {
          if (saidLeft !== left) o.log.info({ left }, 'primary of a cluster now in replica mode: waiting for its old postgres processes to end');
          saidLeft = left;
          await sleep(100, undefined, { signal });
          continue;
        }
        const partial = await o.archiveLast?.(cluster).catch((err: unknown) => err as Error);
        if (partial instanceof Error) {
          o.log.warn({ err: describeError(partial) }, 'demoted primary: archiving its last WAL failed; retrying before reporting the demotion token');
          await sleep(o.retryMs ?? 5000, undefined, { signal });
          continue;
        }
        if (partial !== undefined) o.log.info({ wal: partial }, 'demoted primary: its last WAL segment archived as .partial');
        await o.demotionToken?.(cluster);
        await markStandby(o.pgData);
        o.log.info({ source: cluster.spec.replica?.source }, 'the Cluster is a replica cluster: this primary is demoted (standby.signal) and follows the source');
        return { outcome: 'demoted', cluster };
      }
      case 'start':
        return { outcome: 'none', cluster };
      case 'unknown-target':
        o.log.error({ targetPrimary: action.target, instanceNames: names }, `status.targetPrimary names ${action.target}, which is not an instance of this Cluster: starting as it is`);
        return { outcome: 'none', cluster };
      case 'wait-promotion': {
        if (o.followsAsIs && action.target !== PENDING_FAILOVER && Date.now() >= nextProbe && (await o.oldPostmasterGone?.()) === undefined) {
          nextProbe = Date.now() + FOLLOW_PROBE_MS;
          followable = await o.followsAsIs(action.target, cluster);
          if (followable) break;
        }
        if (waiting !== action.target) o.log.info({ targetPrimary: action.target, currentPrimary: str(cluster.status.currentPrimary) }, 'former primary: waiting for the new primary to be promoted before rewinding');
        waiting = action.target;
        // A switchover's promotion takes about a second: read often at first, then every pollMs.
        await sleep(Date.now() - since < FAST_WAIT_MS ? Math.min(FAST_POLL_MS, o.pollMs ?? FAST_POLL_MS) : (o.pollMs ?? 200), undefined, { signal });
        continue;
      }
      case 'rewind':
        break;
    }
    const source = action.kind === 'rewind' ? action.source : action.target;
    const left = await o.oldPostmasterGone?.();
    if (left !== undefined) {
      // One line per change of what is left (a fast shutdown requested, then an immediate one, then children).
      if (saidLeft !== left) o.log.info({ left }, 'former primary: waiting for its old postgres processes to end before rewinding');
      saidLeft = left;
      // After a fast stop only postgres's logger is usually left, for a few milliseconds.
      await sleep(20, undefined, { signal });
      continue;
    }
    if (o.archiveReady) {
      const archived = await o.archiveReady(cluster).catch((err: unknown) => err as Error);
      if (archived instanceof Error) {
        o.log.warn({ err: describeError(archived) }, 'former primary: archiving its remaining WAL failed; retrying before the rewind');
        await sleep(o.retryMs ?? 5000, undefined, { signal });
        continue;
      }
      if (archived > 0) o.log.info({ files: archived }, 'former primary: its remaining WAL files archived');
    }
    if (followable || (await o.followsAsIs?.(source, cluster))) {
      await markStandby(o.pgData);
      o.log.info({ source, waitedMs: Date.now() - since }, "former primary: its WAL ends before the new timeline's switch point: following the new primary without pg_rewind");
      // primary_conninfo names the source even before its promotion is reported (the report then changes nothing).
      return { outcome: 'followed', cluster: cluster.status.currentPrimary === source ? cluster : { ...cluster, status: { ...cluster.status, currentPrimary: source } } };
    }
    o.log.info({ source }, 'former primary: rewinding from the new primary');
    await guardPgControl(o.pgData);
    await writeRewindConfig(o.pgData, o.configFile, o.restoreCommand?.(cluster));
    const started = Date.now();
    const result = await o.rewind(source, cluster).catch((err: unknown): RewindOutcome => ({ kind: 'retry', reason: describeError(err) }));
    if (result.kind === 'done') {
      await dropPgControlCopy(o.pgData);
      await markStandby(o.pgData);
      o.log.info({ source, durationMs: Date.now() - started }, 'former primary rewound: starting as a replica');
      return { outcome: 'rewound', cluster };
    }
    failures++;
    if (result.kind === 'reclone' || failures > (o.maxRetries ?? 3)) {
      o.log.error({ source, reason: result.reason, attempts: failures }, 'pg_rewind cannot bring this PGDATA back: cloning it again from the new primary (the old one is kept aside)');
      await o.reclone(source, cluster);
      return { outcome: 'recloned', cluster: await o.load() };
    }
    o.log.warn({ source, reason: result.reason, attempt: failures }, 'pg_rewind failed before changing PGDATA; retrying');
    await sleep(o.retryMs ?? 5000, undefined, { signal });
  }
}

/**
 * standby.signal: PGDATA starts as a replica (its override.conf is written by the caller's file reconcile).
 * pg_rewind copies the source's files, the empty-archive flag of a source that had not archived yet too: a
 * replica never starts an archive, and once promoted it would refuse its own cluster's.
 */
export async function markStandby(pgData: string): Promise<void> {
  // eslint-disable-next-line security/detect-non-literal-fs-filename -- PGDATA
  await writeFile(join(pgData, 'standby.signal'), '', { mode: 0o600 });
  await rm(join(pgData, PGDATA_FILES.checkEmptyWalArchive), { force: true });
}
