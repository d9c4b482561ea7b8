// The SQL behind /pg/status and the streaming probe. CNPG runs up to eight statements per /pg/status
// (pkg/management/postgres/probes.go); here it is one round trip, guarded so primary-only and replica-only
// functions are only called where they work.
import type { Pool } from './pool.js';

/** One row of pg_stat_replication, with CNPG's names (sentLsn is published as receivedLsn by the caller). */
export interface ReplicationRow {
  applicationName: string;
  state: string;
  sentLsn: string;
  writeLsn: string;
  flushLsn: string;
  replayLsn: string;
  writeLag: string;
  flushLag: string;
  replayLag: string;
  syncState: string;
  syncPriority: string;
}

/** One row of pg_replication_slots, with CNPG's JSON names and types. */
export interface SlotRow {
  slotName: string;
  plugin: string;
  slotType: string;
  datoid: string;
  database: string;
  xmin: string;
  catalogXmin: string;
  restartLsn: string;
  walStatus: string;
  safeWalSize: number | null;
  active: boolean;
}

/** One row of pg_stat_progress_basebackup, with CNPG's snake_case JSON names. */
export interface BasebackupRow {
  usename: string;
  application_name: string;
  backend_start: string;
  phase: string;
  backup_total: number;
  backup_streamed: number;
  backup_total_pretty: string;
  backup_streamed_pretty: string;
  tablespaces_total: number;
  tablespaces_streamed: number;
}

export interface StatusRow {
  systemId: string;
  isPrimary: boolean;
  configHash: string | null;
  pendingRestart: boolean;
  pendingRestartForDecrease: boolean;
  timelineId: number;
  currentLsn: string | null;
  currentWal: string | null;
  receivedLsn: string | null;
  replayLsn: string | null;
  replayPaused: boolean;
  walReceiverActive: boolean;
  lastArchivedWal: string;
  lastArchivedTime: string;
  lastFailedWal: string;
  lastFailedTime: string;
  isArchiving: boolean;
  replication: ReplicationRow[];
  slots: SlotRow[];
  basebackups: BasebackupRow[];
}

// Hot-standby-sensitive settings whose decrease needs a primary restart first (CNPG GetDecreasedSensibleSettings;
// https://www.postgresql.org/docs/current/hot-standby.html#HOT-STANDBY-ADMIN). pg_file_settings re-reads the
// configuration files, so it only runs when a restart is pending at all.
const DECREASE_SQL = `
  SELECT EXISTS (
    SELECT 1 FROM pg_settings s
    LEFT JOIN (SELECT name, setting, rank() OVER (PARTITION BY name ORDER BY seqno DESC) AS r, applied FROM pg_file_settings) f
      ON f.name = s.name AND f.r = 1 AND NOT f.applied
    WHERE s.pending_restart
      AND s.name IN ('max_connections', 'max_prepared_transactions', 'max_wal_senders', 'max_worker_processes', 'max_locks_per_transaction')
      AND coalesce(f.setting, s.boot_val)::bigint < s.setting::bigint)`;

const STATUS_SQL = `
WITH r AS (SELECT pg_is_in_recovery() AS rec),
     p AS (SELECT EXISTS (SELECT 1 FROM pg_settings WHERE pending_restart) AS pending)
SELECT
  (SELECT system_identifier::text FROM pg_control_system()) AS "systemId",
  NOT r.rec AS "isPrimary",
  current_setting('cnpg.config_sha256', true) AS "configHash",
  p.pending AS "pendingRestart",
  CASE WHEN p.pending THEN (${DECREASE_SQL}) ELSE false END AS "pendingRestartForDecrease",
  (SELECT timeline_id FROM pg_control_checkpoint()) AS "timelineId",
  CASE WHEN r.rec THEN NULL ELSE pg_current_wal_lsn()::text END AS "currentLsn",
  CASE WHEN r.rec THEN NULL ELSE pg_walfile_name(pg_current_wal_lsn()) END AS "currentWal",
  CASE WHEN r.rec THEN greatest(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn())::text END AS "receivedLsn",
  CASE WHEN r.rec THEN pg_last_wal_replay_lsn()::text END AS "replayLsn",
  CASE WHEN r.rec THEN pg_is_wal_replay_paused() ELSE false END AS "replayPaused",
  CASE WHEN r.rec THEN EXISTS (SELECT 1 FROM pg_stat_wal_receiver) ELSE false END AS "walReceiverActive",
  coalesce(a.last_archived_wal, '') AS "lastArchivedWal",
  coalesce(a.last_archived_time, '-infinity')::text AS "lastArchivedTime",
  coalesce(a.last_failed_wal, '') AS "lastFailedWal",
  coalesce(a.last_failed_time, '-infinity')::text AS "lastFailedTime",
  coalesce(a.last_archived_time, '-infinity') > coalesce(a.last_failed_time, '-infinity') AS "isArchiving",
  CASE WHEN r.rec THEN '[]'::json ELSE (
    SELECT coalesce(json_agg(json_build_object(
      'applicationName', application_name, 'state', coalesce(state, ''),
      'sentLsn', coalesce(sent_lsn::text, ''), 'writeLsn', coalesce(write_lsn::text, ''),
      'flushLsn', coalesce(flush_lsn::text, ''), 'replayLsn', coalesce(replay_lsn::text, ''),
      'writeLag', coalesce(write_lag, '0'::interval)::text, 'flushLag', coalesce(flush_lag, '0'::interval)::text,
      'replayLag', coalesce(replay_lag, '0'::interval)::text, 'syncState', coalesce(sync_state, ''),
      'syncPriority', coalesce(sync_priority, 0)::text) ORDER BY application_name), '[]'::json)
    FROM pg_stat_replication WHERE application_name ~ $1 AND usename = 'streaming_replica') END AS "replication",
  CASE WHEN r.rec THEN '[]'::json ELSE (
    SELECT coalesce(json_agg(json_build_object(
      'slotName', slot_name::text, 'plugin', coalesce(plugin::text, ''), 'slotType', coalesce(slot_type, ''),
      'datoid', coalesce(datoid::text, ''), 'database', coalesce(database::text, ''), 'xmin', coalesce(xmin::text, ''),
      'catalogXmin', coalesce(catalog_xmin::text, ''), 'restartLsn', coalesce(restart_lsn::text, ''),
      'walStatus', coalesce(wal_status, ''), 'safeWalSize', safe_wal_size, 'active', active) ORDER BY slot_name), '[]'::json)
    FROM pg_replication_slots) END AS "slots",
  (SELECT coalesce(json_agg(json_build_object(
      'usename', coalesce(s.usename::text, ''), 'application_name', coalesce(s.application_name, ''),
      'backend_start', coalesce(s.backend_start::text, ''), 'phase', b.phase,
      'backup_total', coalesce(b.backup_total, 0), 'backup_streamed', coalesce(b.backup_streamed, 0),
      'backup_total_pretty', coalesce(pg_size_pretty(b.backup_total), ''),
      'backup_streamed_pretty', coalesce(pg_size_pretty(b.backup_streamed), ''),
      'tablespaces_total', coalesce(b.tablespaces_total, 0), 'tablespaces_streamed', coalesce(b.tablespaces_streamed, 0))), '[]'::json)
    FROM pg_stat_progress_basebackup b JOIN pg_stat_activity s USING (pid)
    WHERE s.application_name ~ '-join$') AS "basebackups"
FROM r, p, pg_stat_archiver a`;

/** Escapes a Kubernetes name for a POSIX regular expression ('.' is the only special character it may hold). */
function regexLiteral(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Everything /pg/status reports from SQL, in one statement; replication rows are this cluster's replicas only.
 * `timeoutMs` bounds a server that never answers (the client is then destroyed, not reused).
 */
export async function queryStatus(pool: Pool, clusterName: string, timeoutMs: number): Promise<StatusRow> {
  const res = await pool.query<StatusRow>({ text: STATUS_SQL, values: [`^${regexLiteral(clusterName)}-[0-9]+$`], query_timeout: timeoutMs } as { text: string; values: string[] });
  const row = res.rows[0];
  if (!row) throw new Error('the status query returned no row');
  return row;
}

/** What the streaming probe decides on (CNPG probes: primary, log shipping, or streaming within maximumLag). */
export interface StreamingRow {
  isPrimary: boolean;
  hasPrimaryConninfo: boolean;
  connected: boolean;
  lagBytes: string | null;
}

/** The streaming replica's state: whether it ever received WAL, and its replay lag in bytes. */
export async function queryStreaming(pool: Pool): Promise<StreamingRow> {
  const res = await pool.query<StreamingRow>(`
    SELECT NOT pg_is_in_recovery() AS "isPrimary",
           current_setting('primary_conninfo') <> '' AS "hasPrimaryConninfo",
           EXISTS (SELECT 1 FROM pg_stat_wal_receiver WHERE latest_end_lsn IS NOT NULL) AS "connected",
           (SELECT pg_wal_lsn_diff(latest_end_lsn, pg_last_wal_replay_lsn())::text FROM pg_stat_wal_receiver) AS "lagBytes"`);
  const row = res.rows[0];
  if (!row) throw new Error('the streaming query returned no row');
  return row;
}
