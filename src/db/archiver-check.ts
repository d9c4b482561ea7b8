// The archiving check before a base backup (CNPG pkg/management/postgres/wal.go ensureWalArchiveIsWorking):
// a backup is only restorable if the WAL it needs reaches the archive, so archiving must work first. On a
// fresh primary nothing was ever archived: one CHECKPOINT + pg_switch_wal() pushes the first segment out.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from './pool.js';

export interface ArchiverState {
  archiveMode: string;
  archivedCount: number;
  lastArchivedTime?: Date;
  lastFailedTime?: Date;
  lastFailedWal?: string;
}

/** pg_stat_archiver and archive_mode (https://www.postgresql.org/docs/15/monitoring-stats.html#MONITORING-PG-STAT-ARCHIVER-VIEW). */
export async function readArchiver(c: Client): Promise<ArchiverState> {
  const r = await c.query<{ mode: string; archived: string; archived_at: Date | null; failed_at: Date | null; failed_wal: string | null }>(
    `SELECT current_setting('archive_mode') AS mode, archived_count::text AS archived, last_archived_time AS archived_at,
            last_failed_time AS failed_at, last_failed_wal AS failed_wal FROM pg_stat_archiver`,
  );
  const row = r.rows[0];
  return {
    archiveMode: row?.mode ?? 'off',
    archivedCount: Number(row?.archived ?? 0),
    lastArchivedTime: row?.archived_at ?? undefined,
    lastFailedTime: row?.failed_at ?? undefined,
    lastFailedWal: row?.failed_wal ?? undefined,
  };
}

/** True when the last archive attempt succeeded (CNPG isArchivingWAL: last archived later than last failed). */
export function archivingWorks(s: ArchiverState): boolean {
  if (!s.lastArchivedTime) return false;
  return !s.lastFailedTime || s.lastArchivedTime > s.lastFailedTime;
}

/**
 * Resolves once archiving works; forces one segment switch when nothing was archived yet. Throws with the
 * archiver's last failure when it does not work within `timeoutMs`.
 */
export async function ensureArchivingWorks(c: Client, timeoutMs: number, signal?: AbortSignal): Promise<void> {
  let s = await readArchiver(c);
  if (s.archiveMode === 'off') throw new Error('archive_mode is off: WAL archiving is not enabled, a backup could not be restored');
  if (archivingWorks(s)) return;
  if (s.archivedCount === 0) {
    await c.query('CHECKPOINT');
    await c.query('SELECT pg_switch_wal()');
  }
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    s = await readArchiver(c);
    if (archivingWorks(s)) return;
    if (Date.now() > deadline) {
      const failed = s.lastFailedWal ? `; the last attempt failed on ${s.lastFailedWal}` : '';
      throw new Error(`WAL archiving is not working (nothing archived within ${Math.round(timeoutMs / 1000)} s${failed})`);
    }
    await sleep(250, undefined, { signal });
  }
}
