// A primary demoted into a replica cluster archives its last, unfinished WAL segment as `<segment>.partial`
// before it reports its demotion token: a replica cluster linked to it only by the object store can then replay
// up to the shutdown checkpoint the token names, and be promoted (CNPG webserver/remote.go pgArchivePartial,
// which the operator calls before it builds the token: a hard link `pg_wal/<redo wal>.partial` archived with
// the WAL archiver, then removed). barman-cloud-wal-restore, and the in-process restorer
// (src/wal/wal-restorer.ts), hand out `<segment>.partial` when `<segment>` is asked for and not archived.
/* eslint-disable security/detect-non-literal-fs-filename -- PGDATA/pg_wal */
import { link, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { isSegmentName } from '../wal/wal-names.js';

/** Archives `pg_wal/<redoWalFile>` of a stopped PGDATA as `<redoWalFile>.partial` with `archive`; returns that name. */
export async function archivePartialWal(pgData: string, redoWalFile: string, archive: (name: string) => Promise<void>): Promise<string> {
  if (!isSegmentName(redoWalFile)) throw new Error(`pg_controldata's REDO WAL file is not a WAL segment name: ${JSON.stringify(redoWalFile)}`);
  const name = `${redoWalFile}.partial`;
  const partial = join(pgData, 'pg_wal', name);
  // A link left by an interrupted earlier try would make link() fail.
  await rm(partial, { force: true });
  await link(join(pgData, 'pg_wal', redoWalFile), partial);
  try {
    await archive(name);
  } finally {
    await rm(partial, { force: true });
  }
  return name;
}
