// The embedded default's "volume snapshot": a copy of one live folder (PGDATA, the WAL folder, a tablespace's
// data folder) into a temporary sibling of the snapshot's folder, made durable, then renamed into place, so a
// snapshot folder is complete or absent. PGDATA is copied as the low-level base backup API asks
// (https://www.postgresql.org/docs/15/continuous-archiving.html#BACKUP-LOWLEVEL-BASE-BACKUP-DATA): links kept as
// links, postmaster.pid/.opts and the contents of the run-time folders left out; a file that vanishes while
// postgres runs (a statistics file, a recycled segment) is skipped, as pg_basebackup skips it.
import { copyFile, lstat, mkdir, open, readdir, readlink, rename, rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { ManagerError } from '../errors.js';

/** PGDATA entries never copied (pg_basebackup's excludeFiles). */
const SKIP_FILES: ReadonlySet<string> = new Set(['postmaster.pid', 'postmaster.opts', 'pg_internal.init', 'backup_label.old', 'tablespace_map.old']);
/** PGDATA folders copied empty (pg_basebackup's excludeDirContents). */
export const PGDATA_EMPTY_DIRS: readonly string[] = ['pg_dynshmem', 'pg_notify', 'pg_replslot', 'pg_serial', 'pg_snapshots', 'pg_stat_tmp', 'pg_subtrans'];

export interface CopyOptions {
  /** Folders (relative to the root) whose contents are left out: created empty. */
  emptyDirs?: readonly string[];
  /** PGDATA's rules for files (postmaster.pid, pgsql_tmp*, pg_internal.init). */
  pgdataFiles?: boolean;
  /** Abandons the copy (the manager stops). */
  signal?: AbortSignal;
}

/** Throws when `signal` has aborted: the manager stops, and a copy is not worth finishing. */
export function checkStopping(signal: AbortSignal | undefined): void {
  if (signal?.aborted === true) throw new ManagerError('BACKUP', 'the instance manager is stopping: the snapshot copy was abandoned');
}

const vanished = (err: unknown): boolean => (err as NodeJS.ErrnoException).code === 'ENOENT';

/** Copies `from` into the new folder `to`; returns every file and folder written, for syncTree. */
export async function copyTree(from: string, to: string, o: CopyOptions = {}): Promise<string[]> {
  const written: string[] = [];
  const empty = new Set(o.emptyDirs ?? []);
  const walk = async (src: string, dst: string, rel: string): Promise<void> => {
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- a folder of this instance's volumes
    await mkdir(dst, { mode: 0o700 });
    written.push(dst);
    if (empty.has(rel)) return;
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- as above
    const entries = await readdir(src, { withFileTypes: true }).catch((err: unknown) => {
      if (vanished(err) && rel !== '') return [];
      throw err;
    });
    for (const e of entries) {
      checkStopping(o.signal);
      const name = e.name;
      const childRel = rel === '' ? name : `${rel}/${name}`;
      if (o.pgdataFiles === true && ((rel === '' && SKIP_FILES.has(name)) || name.startsWith('pgsql_tmp') || name === 'pg_internal.init')) continue;
      const s = join(src, name);
      const d = join(dst, name);
      try {
        if (e.isSymbolicLink()) {
          // Verbatim: pg_wal and pg_tblspc/<oid> name the origin's folders, which the recovery replaces, never follows.
          await symlink(await readlink(s), d); // eslint-disable-line security/detect-non-literal-fs-filename -- as above
        } else if (e.isDirectory()) {
          await walk(s, d, childRel);
        } else if (e.isFile()) {
          await copyFile(s, d);
          written.push(d);
        }
      } catch (err) {
        if (!vanished(err)) throw err;
      }
    }
  };
  await walk(from, to, '');
  return written;
}

/** fsyncs each file and folder written, a few at a time. */
export async function syncTree(paths: readonly string[]): Promise<void> {
  const queue = [...paths].reverse();
  const worker = async (): Promise<void> => {
    for (let p = queue.pop(); p !== undefined; p = queue.pop()) {
      // eslint-disable-next-line security/detect-non-literal-fs-filename -- a path this copy wrote
      const fh = await open(p, 'r');
      try {
        await fh.sync();
      } finally {
        await fh.close();
      }
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}

/** Throws unless `path` is free for a new snapshot folder. */
export async function ensureAbsent(path: string, what: string): Promise<void> {
  // eslint-disable-next-line security/detect-non-literal-fs-filename -- <snapshots dir>/<validated name>
  const info = await lstat(path).catch((err: unknown) => {
    if (vanished(err)) return undefined;
    throw err;
  });
  if (info) throw new ManagerError('BACKUP', `${what}: the volume snapshot folder ${path} already exists (a snapshot is never overwritten: remove it, or take the Backup under another name)`);
}

/** Renames a finished temporary folder to the snapshot's folder, after checking once more that it is free. */
export async function putInPlace(temp: string, final: string, what: string): Promise<void> {
  await ensureAbsent(final, what);
  // eslint-disable-next-line security/detect-non-literal-fs-filename -- our temporary and its snapshot folder
  await rename(temp, final);
}

/** Removes a folder this Backup wrote (a temporary, or a snapshot of a failed Backup); never throws. */
export async function removeTemp(temp: string): Promise<void> {
  await rm(temp, { recursive: true, force: true }).catch(() => undefined);
}
