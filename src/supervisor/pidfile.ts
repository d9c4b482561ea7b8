// postmaster.pid handling (cnpg pkg/management/postgres/pidfile.go): adopt a live postmaster, clean a stale file.
// Layout of the file: src/include/miscadmin.h, LOCK_FILE_LINE_* (line 1 pid, line 8 status).
import { readFile, readdir, readlink, realpath, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { PGDATA_FILES } from '../config/constants.js';

export type PidFileState =
  | { kind: 'absent' }
  | { kind: 'live'; pid: number }
  | { kind: 'stale'; pid: number | undefined; reason: string };

/** The postmaster status word on line 8 of postmaster.pid: starting, stopping, ready or standby. */
export async function readPmStatus(pgData: string): Promise<string | undefined> {
  try {
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- PGDATA/postmaster.pid
    const lines = (await readFile(join(pgData, PGDATA_FILES.pid), 'utf8')).split('\n');
    return lines[7]?.trim() || undefined;
  } catch {
    return undefined;
  }
}

/** The command name (comm) of a live process, undefined when it does not exist. */
export async function processName(pid: number): Promise<string | undefined> {
  try {
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- /proc/<pid>/stat of a numeric pid
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const open = stat.indexOf('(');
    const close = stat.lastIndexOf(')');
    if (stat.slice(close + 2, close + 3) === 'Z') return undefined;
    return stat.slice(open + 1, close);
  } catch {
    return undefined;
  }
}

/** Classifies PGDATA/postmaster.pid: absent, a live postgres to adopt, or stale (dead pid, pid reused, garbage). */
export async function inspectPidFile(pgData: string): Promise<PidFileState> {
  let text: string;
  try {
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- PGDATA/postmaster.pid
    text = await readFile(join(pgData, PGDATA_FILES.pid), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'absent' };
    throw err;
  }
  const first = text.split('\n')[0]?.trim() ?? '';
  const pid = /^\d+$/.test(first) ? Number(first) : undefined;
  if (pid === undefined || pid <= 0) return { kind: 'stale', pid: undefined, reason: 'unparseable pid' };
  if (pid === process.pid) return { kind: 'stale', pid, reason: 'pid now belongs to the instance manager' };
  const name = await processName(pid);
  if (name === undefined) return { kind: 'stale', pid, reason: 'process is gone' };
  if (name !== 'postgres' && name !== 'postmaster') return { kind: 'stale', pid, reason: `pid reused by ${name}` };
  const foreign = await notOurPostmaster(pid, pgData, text.split('\n')[1]?.trim() ?? '');
  if (foreign) return { kind: 'stale', pid, reason: foreign };
  return { kind: 'live', pid };
}

/**
 * Why the postgres process `pid` is not the postmaster of `pgData`, or undefined when it is. After a reboot a
 * small pid is easily another cluster's postmaster (the distribution's own runs as postgres too): adopting it
 * would mean signalling it. The postmaster chdirs into its data directory (ChangeToDataDir in
 * src/backend/utils/init/miscinit.c) and writes it on line 2 of postmaster.pid (LOCK_FILE_LINE_DATA_DIR);
 * a backend has the same cwd but a process title "postgres: ..." (src/backend/utils/misc/ps_status.c).
 */
async function notOurPostmaster(pid: number, pgData: string, dataDirLine: string): Promise<string | undefined> {
  // eslint-disable-next-line security/detect-non-literal-fs-filename -- PGDATA from the Config
  const ours = await realpath(pgData);
  // eslint-disable-next-line security/detect-non-literal-fs-filename -- the path the pid file names, only resolved
  if (dataDirLine === '' || (await realpath(dataDirLine).catch(() => dataDirLine)) !== ours) {
    return `postmaster.pid names data directory '${dataDirLine}', not ${ours}`;
  }
  let cwd: string;
  let argv0: string;
  try {
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- /proc/<pid>/cwd of a numeric pid
    cwd = await readlink(`/proc/${pid}/cwd`);
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- /proc/<pid>/cmdline of a numeric pid
    argv0 = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0')[0] ?? '';
  } catch (err) {
    // Not readable: another user's process, which cannot be the postmaster of a data directory we own.
    return `pid ${pid} is a postgres process we cannot inspect (${(err as NodeJS.ErrnoException).code ?? 'error'})`;
  }
  if (cwd !== ours) return `pid ${pid} is the postgres of another data directory (${cwd})`;
  if (argv0.startsWith('postgres:')) return `pid ${pid} is a postgres backend, not a postmaster`;
  return undefined;
}

/** Removes a stale postmaster.pid and the socket lock files, so postgres starts cleanly (CNPG empties /controller/run). */
export async function cleanStalePidFile(pgData: string, socketDir: string): Promise<void> {
   
  await rm(join(pgData, PGDATA_FILES.pid), { force: true });
  let entries: string[] = [];
  try {
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- the socket directory we own
    entries = await readdir(socketDir);
  } catch {
    return;
  }
  for (const entry of entries.filter((e) => e.startsWith('.s.PGSQL.'))) {
     
    await rm(join(socketDir, entry), { force: true });
  }
}
