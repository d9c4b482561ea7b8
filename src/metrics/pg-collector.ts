// One refresh of the built-in `cnpg_collector_*` metrics, in CNPG's order (section 8.4): count the
// collection, honour fencing, ping, then the facts query (version, recovery, WAL settings, sync standbys),
// pg_stat_wal, and the WAL directory. Each failing step increments collection_errors_total{collector}.
import { isFenced } from '../spec/fencing.js';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { MonitoringOutcome, TextResult } from '../db/metrics-pool.js';
import { describeError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { Cluster } from '../spec/cluster.js';
import { WAL_STAT_COLUMNS, type CollectorMetrics } from './collector-metrics.js';
import { readVolumeSpace } from '../supervisor/volume-space.js';
import type { QueryContext } from './query-collector.js';
import { serverSemver } from './semver-range.js';

/** The database access the built-in collector needs (ExporterPools implements it). */
export interface CollectorDb {
  ping(database: string, options: { timeoutMs: number }): Promise<void>;
  run(database: string, query: string, options: { timeoutMs: number; deadline?: number }): Promise<MonitoringOutcome>;
}

export interface CollectInput {
  cluster: Cluster;
  podName: string;
  /** False while postgres is starting, stopping or down: no connection is attempted. */
  ready: boolean;
  db: CollectorDb;
  pgData: string;
  timeoutMs: number;
  /** Client-side bound of the ping (connect and SELECT 1), ms. */
  pingTimeoutMs: number;
  /** performance.now() time by which every database call of this collection has answered or given up. */
  deadline: number;
}

const FACTS_SQL = [
  "SELECT pg_catalog.current_setting('server_version_num') AS version_num",
  'pg_catalog.pg_is_in_recovery() AS in_recovery',
  ...['wal_segment_size', 'min_wal_size', 'max_wal_size', 'wal_keep_size', 'max_slot_wal_keep_size'].map(
    (s) => `pg_catalog.pg_size_bytes(pg_catalog.current_setting('${s}')) AS ${s}`,
  ),
  "pg_catalog.current_setting('synchronous_standby_names') AS synchronous_standby_names",
].join(', ');

const SYNC_NAMES = /^\s*(?:ANY|FIRST)\s+(\d+)\s*\(/i;

/** Refreshes the built-in metrics; returns the context for the custom queries, or undefined when postgres is not usable. */
export async function collectBuiltins(m: CollectorMetrics, input: CollectInput, log: Logger): Promise<QueryContext | undefined> {
  const { cluster } = input;
  const defaultDatabase = cluster.spec.bootstrap.initdb.database;
  m.collectionsTotal.inc();
  // Read from the file system, so also while postgres is down (a full WAL volume stops it).
  for (const v of await readVolumeSpace(input.pgData)) {
    m.volumeFree.set({ volume: v.volume }, v.freeBytes);
    m.volumeTotal.set({ volume: v.volume }, v.totalBytes);
  }
  m.replicaMode.set(isReplicaCluster(cluster) ? 1 : 0);
  const fenced = isFenced(cluster, input.podName);
  m.fencingOn.set(fenced ? 1 : 0);
  if (fenced) {
    m.lastCollectionError.set(0);
    return undefined;
  }
  const started = performance.now();
  let failed = false;
  const fail = (step: string, err: unknown): void => {
    failed = true;
    m.collectionErrors.inc({ collector: step });
    log.debug({ collector: step, err: { message: describeError(err) } }, 'metrics collection step failed');
  };
  try {
    if (!input.ready) throw new Error('postgres is not ready');
    try {
      await input.db.ping(defaultDatabase, { timeoutMs: Math.min(input.pingTimeoutMs, input.deadline - performance.now()) });
    } catch (err) {
      // Counted only when a connection was tried: a postgres that is starting or stopping is not an error.
      fail('Collect.up', err);
      throw err;
    }
    m.up.set({ cluster: cluster.name }, 1);
  } catch {
    m.up.set({ cluster: cluster.name }, 0);
    m.lastCollectionError.set(1);
    m.collectionDuration.set({ collector: 'Collect.up' }, (performance.now() - started) / 1000);
    return undefined;
  }
  m.collectionDuration.set({ collector: 'Collect.up' }, (performance.now() - started) / 1000);
  let context: QueryContext | undefined;
  let segmentSize = 0;
  try {
    const facts = firstRow(await input.db.run(defaultDatabase, FACTS_SQL, { timeoutMs: input.timeoutMs, deadline: input.deadline }));
    const num = (k: string): number => Number(facts.get(k));
    const versionNum = num('version_num');
    const version = serverSemver(versionNum);
    const isPrimary = facts.get('in_recovery') !== 't';
    context = { isPrimary, version, defaultDatabase };
    m.postgresVersion.reset();
    m.postgresVersion.set({ full: `${version[0]}.${version[2]}`, cluster: cluster.name }, Number(`${version[0]}.${version[2]}`));
    segmentSize = num('wal_segment_size');
    const segments = (bytes: number): number => (bytes < 0 ? Number.NaN : bytes / segmentSize);
    m.pgWal.set({ value: 'min' }, segments(num('min_wal_size')));
    m.pgWal.set({ value: 'max' }, segments(num('max_wal_size')));
    m.pgWal.set({ value: 'keep' }, segments(num('wal_keep_size')));
    m.pgWal.set({ value: 'slots_max' }, segments(num('max_slot_wal_keep_size')));
    // No separate WAL volume in this layout: CNPG reports NaN then.
    m.pgWal.set({ value: 'volume_size' }, Number.NaN);
    m.pgWal.set({ value: 'volume_max' }, Number.NaN);
    setSyncReplicas(m, cluster, isPrimary, facts.get('synchronous_standby_names') ?? '', (err) => fail('Collect.SynchronousStandbys', err));
    if (versionNum >= 140000) await collectWalStats(m, input, defaultDatabase, versionNum).catch((err: unknown) => fail('Collect.PGWALStat', err));
  } catch (err) {
    fail('Collect.PGVersion', err);
  }
  try {
    const count = await countWalSegments(input.pgData);
    m.pgWal.set({ value: 'count' }, count);
    if (segmentSize > 0) m.pgWal.set({ value: 'size' }, count * segmentSize);
  } catch (err) {
    fail('Collect.PGWalSettings', err);
  }
  try {
    const { ready, done } = await countArchiveStatus(input.pgData);
    m.walArchiveStatus.set({ value: 'ready' }, ready);
    m.walArchiveStatus.set({ value: 'done' }, done);
  } catch (err) {
    fail('Collect.PgWALArchiveStats', err);
  }
  m.lastCollectionError.set(failed ? 1 : 0);
  return context;
}

async function collectWalStats(m: CollectorMetrics, input: CollectInput, database: string, versionNum: number): Promise<void> {
  const columns = versionNum >= 180000 ? WAL_STAT_COLUMNS.slice(0, 4) : WAL_STAT_COLUMNS;
  const row = firstRow(await input.db.run(database, `SELECT ${columns.join(', ')}, stats_reset FROM pg_catalog.pg_stat_wal`, { timeoutMs: input.timeoutMs, deadline: input.deadline }));
  const statsReset = row.get('stats_reset') ?? '';
  for (const column of columns) {
    const gauge = m.walStats.get(column);
    gauge?.reset();
    gauge?.set({ stats_reset: statsReset }, Number(row.get(column)));
  }
}

// CNPG's expected count (GetSyncReplicasData): max, lowered to min, then to the replicas that could be ready.
function setSyncReplicas(m: CollectorMetrics, cluster: Cluster, isPrimary: boolean, names: string, onError: (err: unknown) => void): void {
  const spec = (cluster.raw.spec ?? {}) as Record<string, unknown>;
  const min = typeof spec.minSyncReplicas === 'number' ? spec.minSyncReplicas : 0;
  const max = typeof spec.maxSyncReplicas === 'number' ? spec.maxSyncReplicas : 0;
  const replicas = Math.max(0, cluster.spec.instances - 1);
  let expected = max;
  if (replicas < expected) expected = min;
  if (replicas < expected) expected = replicas;
  m.syncReplicas.set({ value: 'min' }, min);
  m.syncReplicas.set({ value: 'max' }, max);
  m.syncReplicas.set({ value: 'expected' }, expected);
  if (!isPrimary) return;
  if (names.trim() === '') {
    m.syncReplicas.set({ value: 'observed' }, 0);
    return;
  }
  const match = SYNC_NAMES.exec(names);
  if (match) m.syncReplicas.set({ value: 'observed' }, Number(match[1]));
  else {
    m.syncReplicas.set({ value: 'observed' }, -1);
    onError(new Error(`synchronous_standby_names not in the (ANY|FIRST) N (...) form: ${names}`));
  }
}

function firstRow(outcome: MonitoringOutcome): Map<string, string | null> {
  if (outcome.kind !== 'rows' || outcome.result.rows.length === 0) throw new Error('the query returned no rows');
  const result: TextResult = outcome.result;
  const row = result.rows[0] ?? [];
  return new Map(result.columns.map((c, i) => [c.name, row.at(i) ?? null] as const));
}

function isReplicaCluster(cluster: Cluster): boolean {
  const replica = ((cluster.raw.spec ?? {}) as { replica?: { enabled?: unknown } }).replica;
  return replica?.enabled === true;
}

// The WAL directory is read from the file system as CNPG does (the manager runs as the postgres OS user).
const WAL_SEGMENT_NAME = /^[0-9A-F]{24}/;

/** Files in pg_wal whose name starts like a WAL segment (24 hex digits). */
export async function countWalSegments(pgData: string): Promise<number> {
  // eslint-disable-next-line security/detect-non-literal-fs-filename -- PGDATA from the configuration
  const entries = await readdir(join(pgData, 'pg_wal'), { withFileTypes: true });
  return entries.filter((e) => !e.isDirectory() && WAL_SEGMENT_NAME.test(e.name)).length;
}

/** `.ready` and `.done` files in pg_wal/archive_status. */
export async function countArchiveStatus(pgData: string): Promise<{ ready: number; done: number }> {
  // eslint-disable-next-line security/detect-non-literal-fs-filename -- PGDATA from the configuration
  const entries = await readdir(join(pgData, 'pg_wal', 'archive_status'), { withFileTypes: true });
  let ready = 0;
  let done = 0;
  for (const e of entries) {
    if (e.isDirectory()) continue;
    if (e.name.endsWith('.ready')) ready++;
    else if (e.name.endsWith('.done')) done++;
  }
  return { ready, done };
}
