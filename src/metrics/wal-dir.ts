// Counts under PGDATA/pg_wal that cnpg_collector_pg_wal and cnpg_collector_pg_wal_archive_status report,
// read from the file system as CNPG does (the manager runs as the postgres OS user and owns PGDATA).
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

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
