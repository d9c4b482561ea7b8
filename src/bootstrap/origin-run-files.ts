// The run-time files a copy of a live PGDATA carries from its origin (CNPG machinery fileutils
// RemoveRestoreExcludedFiles; PostgreSQL's own list: "Making a Base Backup Using the Low Level API",
// https://www.postgresql.org/docs/15/continuous-archiving.html#BACKUP-LOWLEVEL-BASE-BACKUP): the origin's
// postmaster.pid (a live pid on this machine), the manager's markers, and a replica's signal files (the
// recovery writes its own). Shared by the embedded snapshot copy and `instance restoresnapshot`.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { BOOTSTRAP_MARKER } from './bootstrap-marker.js';

const ORIGIN_RUN_FILES = ['postmaster.pid', 'postmaster.opts', BOOTSTRAP_MARKER, '.check-empty-wal-archive', 'standby.signal', 'recovery.signal'] as const;

/** Removes the origin's run-time files from a restored PGDATA (or its temporary copy). */
export async function removeOriginRunFiles(pgData: string): Promise<void> {
  for (const f of ORIGIN_RUN_FILES) await rm(join(pgData, f), { force: true });
}
