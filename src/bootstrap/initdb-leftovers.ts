// Leftovers of an interrupted first start: initdb.ts runs initdb into a `.<pgdata>.initdb-<hex>` sibling of
// PGDATA and removes it when initdb fails, but a manager killed outright (SIGKILL, OOM, node crash) cannot, and
// an initdb it started may run on for a while. At the next start such folders are removed, unless a live
// process still uses one (its command line names it, as initdb's `-D` does, or its working directory is in it,
// as for the single-user postgres initdb runs, which chdirs into its data directory).
import { readdir, readFile, readlink, rm } from 'node:fs/promises';
import { basename, dirname, join, sep } from 'node:path';
import type { Logger } from '../log/logger.js';

/** The name prefix of initdb.ts's temporary folders for `pgData`. */
export function initdbTempPrefix(pgData: string): string {
  return `.${basename(pgData)}.initdb-`;
}

// eslint-disable-next-line security/detect-non-literal-fs-filename -- /proc entries
const readOrEmpty = (p: string): Promise<string> => readFile(p, 'utf8').catch(() => '');
// eslint-disable-next-line security/detect-non-literal-fs-filename -- /proc entries
const linkOrEmpty = (p: string): Promise<string> => readlink(p).catch(() => '');

/** Pids of live processes whose command line names `folder` or whose working directory lies in it. */
export async function processesUsing(folder: string, procRoot = '/proc'): Promise<number[]> {
  const users: number[] = [];
  // eslint-disable-next-line security/detect-non-literal-fs-filename -- /proc
  for (const entry of await readdir(procRoot).catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry)) continue;
    const [cmdline, cwd] = await Promise.all([readOrEmpty(join(procRoot, entry, 'cmdline')), linkOrEmpty(join(procRoot, entry, 'cwd'))]);
    const args = cmdline.split('\0');
    if (args.some((a) => a === folder || a.startsWith(folder + sep)) || cwd === folder || cwd.startsWith(folder + sep)) users.push(Number(entry));
  }
  return users;
}

/** Removes the `.pgdata.initdb-*` siblings of PGDATA that no live process uses; returns the removed paths. */
export async function removeInitdbLeftovers(pgData: string, log: Logger, procRoot = '/proc'): Promise<string[]> {
  const parent = dirname(pgData);
  const prefix = initdbTempPrefix(pgData);
  // eslint-disable-next-line security/detect-non-literal-fs-filename -- the folder holding PGDATA
  const names = (await readdir(parent).catch(() => [] as string[])).filter((n) => n.startsWith(prefix));
  const removed: string[] = [];
  for (const name of names) {
    const path = join(parent, name);
    const users = await processesUsing(path, procRoot);
    if (users.length > 0) {
      log.warn({ path, pids: users }, 'leftover of an interrupted initdb is still in use: left in place');
      continue;
    }
    await rm(path, { recursive: true, force: true, maxRetries: 3 });
    log.info({ path }, 'removed the leftover of an interrupted initdb');
    removed.push(path);
  }
  return removed;
}
