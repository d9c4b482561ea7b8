// The folders that live beside PGDATA: pg_wal's own folder (spec.walStorage) and each tablespace's folder
// (spec.tablespaces). A bootstrap writes each into a temporary sibling, links PGDATA's copy to the final path,
// renames the folders into place and PGDATA last: until PGDATA is renamed nothing looks usable, and what an
// interrupted bootstrap left at a final path is moved aside by the next one (CNPG initdb.go
// renameExistingTargetDataDirectories), never deleted.
import { cp, mkdir, readdir, readlink, rename, rm, symlink, unlink } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { ManagerError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { fsyncDir } from '../files/write-file-atomic.js';
import { initdbTempPrefix } from './initdb-leftovers.js';
import { asideSuffix } from './aside-name.js';

/** A folder made beside PGDATA's temporary copy: `link` (relative to PGDATA) must end up pointing at `final`. */
export interface ExtraFolder {
  what: string;
  final: string;
  temp: string;
  link: string;
}

/** A temporary sibling of `final` that the leftover sweep (initdb-leftovers.ts) recognises. */
export function tempSibling(final: string, tag: string): string {
  return join(dirname(final), `${initdbTempPrefix(final)}${tag}-${randomBytes(4).toString('hex')}`);
}

/** The location of tablespace `name` (CNPG pkg/specs/volumes.go LocationForTablespace: <dir>/<name>/data). */
export function tablespaceLocation(tablespacesDir: string, name: string): string {
  return join(tablespacesDir, name, 'data');
}

/** Moves a non-empty folder aside as `<path>_<timestamp>` before a bootstrap writes there; creates its parent. */
export async function clearFinalPath(path: string, what: string, log: Logger): Promise<void> {
  // eslint-disable-next-line security/detect-non-literal-fs-filename -- the parent of a configured folder
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  // eslint-disable-next-line security/detect-non-literal-fs-filename -- a configured folder
  const entries = await readdir(path).catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? [] : Promise.reject(wrap(err, `cannot read the ${what} ${path}`))));
  if (entries.filter((e) => e !== 'lost+found').length === 0) return;
  const aside = `${path}_${asideSuffix()}`;
  // eslint-disable-next-line security/detect-non-literal-fs-filename -- a configured folder -> a sibling
  await rename(path, aside).catch((err: NodeJS.ErrnoException) => {
    throw wrap(err, `cannot move the ${what} ${path} aside to ${aside}`);
  });
  log.warn({ path, movedTo: aside }, `the ${what} already held files while PGDATA is being made: moved aside (not deleted)`);
}

/** Moves a folder's content to a new folder `to` (rename, or copy and remove across file systems). */
export async function moveFolder(from: string, to: string): Promise<void> {
  try {
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- restored pg_wal -> the WAL folder's temp
    await rename(from, to);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
    // Another volume (CNPG restore.go MoveDirectoryContent): copy, then remove the original.
     
    await cp(from, to, { recursive: true, preserveTimestamps: true, errorOnExist: true, force: false });
    await rm(from, { recursive: true, force: true });
  }
}

/** Links each extra folder from `pgTemp` and renames the folders into place, durably; PGDATA's rename is the caller's, last. */
export async function placeExtras(pgTemp: string, extras: readonly ExtraFolder[]): Promise<void> {
  for (const x of extras) {
    const link = join(pgTemp, x.link);
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- inside the temporary PGDATA
    await unlink(link).catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? undefined : Promise.reject(err)));
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- inside the temporary PGDATA
    await symlink(x.final, link);
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- temp -> final (absent or empty)
    await rename(x.temp, x.final).catch((err: NodeJS.ErrnoException) => {
      throw wrap(err, `cannot move the new ${x.what} into ${x.final}`);
    });
    await fsyncDir(dirname(x.final));
  }
  if (extras.length > 0) await Promise.all([fsyncDir(pgTemp), fsyncDir(join(pgTemp, 'pg_tblspc'))]);
}

/** Removes the temporary copies of the extra folders (after a failure). */
export async function removeTemps(extras: readonly ExtraFolder[]): Promise<void> {
  for (const x of extras) await rm(x.temp, { recursive: true, force: true, maxRetries: 5 });
}

function wrap(err: NodeJS.ErrnoException, what: string): ManagerError {
  return new ManagerError('BOOTSTRAP', `${what} (${err.code ?? err.message}): nothing was changed`, { cause: err });
}

/** The folders PGDATA's links point at: pg_wal's (when a link) and every tablespace's. */
export async function linkedFolders(pgData: string): Promise<string[]> {
  const out: string[] = [];
  // eslint-disable-next-line security/detect-non-literal-fs-filename -- PGDATA/pg_wal
  const wal = await readlink(join(pgData, 'pg_wal')).catch(() => undefined);
  if (wal !== undefined) out.push(wal);
  // eslint-disable-next-line security/detect-non-literal-fs-filename -- PGDATA/pg_tblspc
  for (const oid of await readdir(join(pgData, 'pg_tblspc')).catch(() => [] as string[])) {
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- PGDATA/pg_tblspc/<oid>
    const target = await readlink(join(pgData, 'pg_tblspc', oid)).catch(() => undefined);
    if (target !== undefined) out.push(target);
  }
  return out;
}
