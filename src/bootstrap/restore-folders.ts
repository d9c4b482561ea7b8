// Where a restored backup's pg_wal and tablespaces go. barman-cloud-restore writes pg_wal inside PGDATA and each
// tablespace at its location in the backup unless `--tablespace NAME:LOCATION` relocates it (barman
// cloud_restore.py): every tablespace is relocated to a temporary sibling of this instance's folder for it, and
// with spec.walStorage the restored pg_wal moves to the WAL folder with a link in its place (CNPG restore.go
// restoreCustomWalDir). extra-folders.ts then puts them in place before PGDATA.
import { chmod, lstat, mkdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../log/logger.js';
import type { BackupTablespace } from '../barman/barman-catalog.js';
import { clearFinalPath, moveFolder, removeTemps, tablespaceLocation, tempSibling, type ExtraFolder } from './extra-folders.js';

export interface RestoreFolders {
  extras: ExtraFolder[];
  /** barman-cloud-restore's relocations: each tablespace of the backup into its temporary folder. */
  relocations: { name: string; location: string }[];
}

/** Plans the folders of a restore and clears their final paths (moved aside when not empty). */
export async function planRestoreFolders(o: { tablespaces: readonly BackupTablespace[]; tablespacesDir: string; pgWal?: string; log: Logger }): Promise<RestoreFolders> {
  const extras: ExtraFolder[] = [];
  const relocations: { name: string; location: string }[] = [];
  for (const t of o.tablespaces) {
    const final = tablespaceLocation(o.tablespacesDir, t.name);
    const temp = tempSibling(final, 'restore');
    extras.push({ what: `folder of tablespace ${t.name}`, final, temp, link: join('pg_tblspc', t.oid) });
    relocations.push({ name: t.name, location: temp });
  }
  if (o.pgWal) extras.push({ what: 'WAL folder', final: o.pgWal, temp: tempSibling(o.pgWal, 'restore'), link: 'pg_wal' });
  for (const x of extras) await clearFinalPath(x.final, x.what, o.log);
  return { extras, relocations };
}

/** After barman-cloud-restore into `pgTemp`: pg_wal (with archive_status) where it belongs; the extras that exist. */
export async function finishRestoreFolders(pgTemp: string, planned: RestoreFolders): Promise<ExtraFolder[]> {
  const wal = planned.extras.find((x) => x.link === 'pg_wal');
  const restoredWal = join(pgTemp, 'pg_wal');
  // A backup of a cluster with walStorage holds pg_wal as the link it was (barman archives a symlink as such):
  // followed, recovery would write into the origin's WAL folder. The link goes; a new empty pg_wal takes its place.
  // eslint-disable-next-line security/detect-non-literal-fs-filename -- the restored folder
  if ((await lstat(restoredWal).catch(() => undefined))?.isSymbolicLink()) await unlink(restoredWal);
  if (wal) {
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- the restored folder
    if (await stat(restoredWal).then(() => true, () => false)) await moveFolder(restoredWal, wal.temp);
  }
  // eslint-disable-next-line security/detect-non-literal-fs-filename -- the restored pg_wal or its new folder
  await mkdir(join(wal?.temp ?? restoredWal, 'archive_status'), { recursive: true, mode: 0o700 });
  // eslint-disable-next-line security/detect-non-literal-fs-filename -- as above: 0700, as postgres makes pg_wal
  if (wal) await chmod(wal.temp, 0o700);
  const present: ExtraFolder[] = [];
  for (const x of planned.extras) {
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- a temporary folder of ours
    if (await stat(x.temp).then(() => true, () => false)) present.push(x);
  }
  await removeTemps(planned.extras.filter((x) => !present.includes(x)));
  return present;
}
