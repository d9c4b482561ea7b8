// One dedicated superuser session held open for an online (non-exclusive) base backup: pg_backup_start and
// pg_backup_stop must run on the same session, and closing it aborts the backup and drops its temporary
// slot (https://www.postgresql.org/docs/15/continuous-archiving.html#BACKUP-LOWLEVEL-BASE-BACKUP-DATA;
// CNPG pkg/management/postgres/webserver/backup_connection.go).
import pg from 'pg';
import { connectionParams, type DbTarget } from './pool.js';

/** What pg_backup_stop hands back: the end LSN and the two files the backup must contain. */
export interface BackupStopResult {
  lsn: string;
  labelFile: string;
  spcmapFile: string;
}

/** The held session; every method runs on the same backend. */
export interface BackupSession {
  /** A temporary physical slot reserving WAL from now on, so nothing the backup needs is recycled. */
  createSlot(slotName: string): Promise<void>;
  /** pg_backup_start; resolves to the start LSN. */
  start(label: string, fast: boolean): Promise<string>;
  /** pg_backup_stop on the same session. */
  stop(waitForArchive: boolean): Promise<BackupStopResult>;
  /** SELECT 1, to see the session is still there. */
  ping(): Promise<void>;
  /** Ends the session (aborting a running backup); never throws. */
  close(): Promise<void>;
}

// The connection is made in the request (CNPG: the request's context only bounds getting the connection).
const CONNECT_TIMEOUT_MS = 5_000;

/** Opens the session as postgres over the Unix socket; rejects when postgres cannot be reached. */
export async function openBackupSession(target: DbTarget): Promise<BackupSession> {
  const client = new pg.Client({ ...connectionParams(target, 'pg-instance-manager-backup', '-c search_path=pg_catalog,pg_temp'), connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  // A backend that dies while held would otherwise be an unhandled 'error' event.
  client.on('error', () => undefined);
  await client.connect();
  let closed = false;
  let major: number;
  try {
    major = Math.floor(Number((await client.query<{ v: string }>("SELECT current_setting('server_version_num') AS v")).rows[0]?.v ?? 0) / 10000);
  } catch (err) {
    // Not left open behind a failure (postgres shutting down between the connect and the query).
    await client.end().catch(() => undefined);
    throw err;
  }
  return {
    async createSlot(slotName) {
      await client.query('SELECT pg_catalog.pg_create_physical_replication_slot(slot_name => $1, immediately_reserve => true, temporary => true)', [slotName]);
    },
    async start(label, fast) {
      // PostgreSQL < 15 has the older names (pg_start_backup with exclusive => false).
      const sql = major < 15 ? 'SELECT pg_catalog.pg_start_backup($1, $2, false)::text AS lsn' : 'SELECT pg_catalog.pg_backup_start(label => $1, fast => $2)::text AS lsn';
      const row = (await client.query<{ lsn: string }>(sql, [label, fast])).rows[0];
      return row?.lsn ?? '';
    },
    async stop(waitForArchive) {
      const sql =
        major < 15
          ? 'SELECT lsn::text, labelfile, spcmapfile FROM pg_catalog.pg_stop_backup(false, $1)'
          : 'SELECT lsn::text, labelfile, spcmapfile FROM pg_catalog.pg_backup_stop(wait_for_archive => $1)';
      const row = (await client.query<{ lsn: string; labelfile: string | null; spcmapfile: string | null }>(sql, [waitForArchive])).rows[0];
      return { lsn: row?.lsn ?? '', labelFile: row?.labelfile ?? '', spcmapFile: row?.spcmapfile ?? '' };
    },
    async ping() {
      await client.query('SELECT 1');
    },
    async close() {
      if (closed) return;
      closed = true;
      await client.end().catch(() => undefined);
    },
  };
}
