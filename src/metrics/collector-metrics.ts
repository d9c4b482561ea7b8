// The built-in `cnpg_collector_*` families with CNPG's names, types, help and labels
// (pkg/management/postgres/webserver/metricserver/pg_collector.go), in our own prom-client Registry
// together with the manager's process metrics. Never the global registry.
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

const NS = 'cnpg_collector';

/** Every built-in metric object, registered in one Registry. */
export interface CollectorMetrics {
  registry: Registry;
  collectionsTotal: Counter;
  collectionErrors: Counter<'collector'>;
  lastCollectionError: Gauge;
  up: Gauge<'cluster'>;
  collectionDuration: Gauge<'collector'>;
  syncReplicas: Gauge<'value'>;
  replicaMode: Gauge;
  walArchiveStatus: Gauge<'value'>;
  pgWal: Gauge<'value'>;
  postgresVersion: Gauge<'full' | 'cluster'>;
  fencingOn: Gauge;
  volumeFree: Gauge<'volume'>;
  volumeTotal: Gauge<'volume'>;
  walStats: ReadonlyMap<string, Gauge<'stats_reset'>>;
}

/** The pg_stat_wal columns, each a `cnpg_collector_<column>` gauge (write/sync ones exist on 14-17 only). */
export const WAL_STAT_COLUMNS = ['wal_records', 'wal_fpi', 'wal_bytes', 'wal_buffers_full', 'wal_write', 'wal_sync', 'wal_write_time', 'wal_sync_time'] as const;
const WAL_STAT_HELP: Record<(typeof WAL_STAT_COLUMNS)[number], string> = {
  wal_records: 'Total number of WAL records generated',
  wal_fpi: 'Total number of WAL full page images generated',
  wal_bytes: 'Total amount of WAL generated in bytes',
  wal_buffers_full: 'Number of times WAL data was written to disk because WAL buffers became full',
  wal_write: 'Number of times WAL buffers were written out to disk via XLogWrite request. Only available on PG 14 to 17.',
  wal_sync: 'Number of times WAL files were synced to disk via issue_xlog_fsync request. Only available on PG 14 to 17.',
  wal_write_time: 'Total amount of time spent writing WAL buffers to disk via XLogWrite request, in milliseconds. Only available on PG 14 to 17.',
  wal_sync_time: 'Total amount of time spent syncing WAL files to disk via issue_xlog_fsync request, in milliseconds. Only available on PG 14 to 17.',
};

/** prom-client default metrics whose names promtool's linter refuses (gauges ending in _total). */
const LINT_REFUSED_DEFAULTS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

/**
 * Sampling period of the nodejs_eventloop_lag_* histogram (prom-client's default is 10 ms). Each sample is a
 * timer wake-up: 10 ms meant 100 wake-ups a second and ~0.6 % of a core on an idle manager. Every sample is
 * still measured to the microsecond; a stall shorter than the period may fall between two samples.
 */
export const EVENT_LOOP_SAMPLE_MS = 100;

/** Builds the registry with the built-in families and the process metrics. */
export function createCollectorMetrics(): CollectorMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS });
  for (const name of LINT_REFUSED_DEFAULTS) registry.removeSingleMetric(name);
  const registers = [registry];
  const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[] = []): Gauge<L> =>
    new Gauge<L>({ name: `${NS}_${name}`, help, labelNames, registers });
  const walStats = new Map<string, Gauge<'stats_reset'>>();
  for (const column of WAL_STAT_COLUMNS) {
    // eslint-disable-next-line security/detect-object-injection -- column is one of our literal names
    walStats.set(column, gauge(column, WAL_STAT_HELP[column], ['stats_reset']));
  }
  return {
    registry,
    collectionsTotal: new Counter({ name: `${NS}_collections_total`, help: 'Total number of times PostgreSQL was accessed for metrics.', registers }),
    collectionErrors: new Counter({ name: `${NS}_collection_errors_total`, help: 'Total errors occurred accessing PostgreSQL for metrics.', labelNames: ['collector'], registers }),
    lastCollectionError: gauge('last_collection_error', '1 if the last collection ended with error, 0 otherwise.'),
    up: gauge('up', '1 if PostgreSQL is up, 0 otherwise.', ['cluster']),
    collectionDuration: gauge('collection_duration_seconds', 'Collection time duration in seconds', ['collector']),
    syncReplicas: gauge('sync_replicas', 'Number of requested synchronous replicas (synchronous_standby_names)', ['value']),
    replicaMode: gauge('replica_mode', '1 if the cluster is in replica mode, 0 otherwise'),
    walArchiveStatus: gauge('pg_wal_archive_status', "Number of WAL segments in the 'pg_wal/archive_status' directory (ready, done)", ['value']),
    pgWal: gauge(
      'pg_wal',
      "Total size in bytes of WAL files in the 'pg_wal' directory (count and size), WAL settings in segments (min, max, keep, slots_max) and the WAL volume (volume_size in bytes, volume_max in segments; NaN without a separate WAL volume)",
      ['value'],
    ),
    postgresVersion: gauge('postgres_version', 'Postgres version', ['full', 'cluster']),
    fencingOn: gauge('fencing_on', '1 if the instance is fenced, 0 otherwise'),
    // Ours (CNPG has none): statfs of PGDATA and pg_wal, so a filling volume shows before writes fail.
    volumeFree: new Gauge({ name: 'cnpg_pg_volume_free_bytes', help: 'Bytes the postgres user may still write on the PGDATA (pgdata) and pg_wal (wal) volumes', labelNames: ['volume'], registers }),
    volumeTotal: new Gauge({ name: 'cnpg_pg_volume_total_bytes', help: 'Size in bytes of the PGDATA (pgdata) and pg_wal (wal) volumes', labelNames: ['volume'], registers }),
    walStats,
  };
}

/** Names of every built-in family, which custom queries may not reuse. */
export function builtinNames(metrics: CollectorMetrics): Set<string> {
  const names = new Set(metrics.registry.getMetricsAsArray().map((m) => m.name));
  for (const n of ['cnpg_errors_total', 'cnpg_last_error', 'cnpg_last_update_timestamp', 'cnpg_cache_hits', 'cnpg_cache_miss']) names.add(n);
  return names;
}
