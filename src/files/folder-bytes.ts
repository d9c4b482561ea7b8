// The bytes of the regular files under a folder, for progress logs of copies made by other programs (a clone's
// PGDATA as pg_basebackup writes it). Symbolic links are not followed; files or folders that vanish or cannot be
// read while the copy runs are skipped, since the figure is only a progress estimate.
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** Sum of the sizes of the regular files under `folder`, leaving out the top-level entries in `skip`. */
export async function folderBytes(folder: string, skip: readonly string[] = []): Promise<number> {
  // eslint-disable-next-line security/detect-non-literal-fs-filename -- a folder the caller owns
  const entries = await readdir(folder, { withFileTypes: true }).catch(() => []);
  let total = 0;
  for (const e of entries) {
    if (skip.includes(e.name)) continue;
    const path = join(folder, e.name);
    if (e.isDirectory()) total += await folderBytes(path);
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- an entry of that folder
    else if (e.isFile()) total += (await lstat(path).catch(() => undefined))?.size ?? 0;
  }
  return total;
}
