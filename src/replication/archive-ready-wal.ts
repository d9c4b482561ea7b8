// A former primary's WAL that PostgreSQL had finished but not yet archived (pg_wal/archive_status/*.ready: a
// primary killed, or stopped while the object store was unreachable) goes to the object store before
// pg_rewind, which would otherwise replace pg_wal with the new primary's and lose it: CNPG's
// ArchiveAllReadyWALs (pkg/management/postgres/archiver/archiver.go, called from instance_startup.go before
// Rewind). In name order, each marked `.done` once stored, as PostgreSQL's archiver does
// (src/backend/postmaster/pgarch.c, pgarch_archiveDone).
/* eslint-disable security/detect-non-literal-fs-filename -- PGDATA/pg_wal/archive_status */
import { readdir, rename } from 'node:fs/promises';
import { join } from 'node:path';

/** The WAL files of PGDATA waiting for the archiver, oldest first. */
export async function readyWalFiles(pgData: string): Promise<string[]> {
  const files = await readdir(join(pgData, 'pg_wal', 'archive_status')).catch((err: unknown) => {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  });
  return files
    .filter((f) => f.endsWith('.ready'))
    .map((f) => f.slice(0, -'.ready'.length))
    .sort();
}

/** Archives every `.ready` WAL file with `archive` (throws at the first failure: nothing may be rewound away); returns the names. */
export async function archiveReadyWal(pgData: string, archive: (name: string) => Promise<void>): Promise<string[]> {
  const names = await readyWalFiles(pgData);
  const status = join(pgData, 'pg_wal', 'archive_status');
  for (const name of names) {
    await archive(name);
    await rename(join(status, `${name}.ready`), join(status, `${name}.done`));
  }
  return names;
}
