// Before a former primary's pg_rewind: the postgres processes of its PGDATA must all be gone. After a kill -9
// of the postmaster its children (backends, walwriter, checkpointer) live on until they notice its death, and
// the postmaster itself stays a zombie until it is reaped; pg_rewind's single-user crash recovery then fails
// ("lock file postmaster.pid already exists", src/backend/utils/init/miscinit.c CreateLockFile) and the
// attempt is lost for 5 s. Removing postmaster.pid alone would drop PostgreSQL's interlock against writers
// still attached to the old shared memory, so this waits until no postgres process has PGDATA as its working
// directory (every postgres process chdirs there), then removes the stale file as CNPG does (instance_startup.go
// CleanUpStalePid). A postmaster that really still runs (its manager killed, not it) is the fenced old
// primary: it gets a fast-shutdown request (SIGINT), as a demotion would, and an immediate one (SIGQUIT) when it
// is still there FAST_STOP_MS later (a fast shutdown waits for the shutdown checkpoint).
/* eslint-disable security/detect-non-literal-fs-filename -- /proc/<numeric pid>/cwd and PGDATA */
import { readdir, readlink, realpath } from 'node:fs/promises';
import { cleanStalePidFile, inspectPidFile, processName } from '../supervisor/pidfile.js';

/** Live (not zombie) postgres processes whose working directory is `pgData` (a user's shell there does not count). */
export async function processesInDataDir(pgData: string): Promise<number[]> {
  const dir = await realpath(pgData);
  const pids = (await readdir('/proc')).filter((e) => /^\d+$/.test(e)).map(Number);
  const found: number[] = [];
  for (const pid of pids) {
    if (pid === process.pid) continue;
    const cwd = await readlink(`/proc/${pid}/cwd`).catch(() => undefined);
    if (cwd !== dir) continue;
    const name = await processName(pid);
    if (name === 'postgres' || name === 'postmaster') found.push(pid);
  }
  return found;
}

/** How long a live old postmaster gets for a fast shutdown before an immediate one (and its orphans before SIGKILL). */
export const FAST_STOP_MS = 30_000;

// The process may have ended since it was seen: ESRCH is what was wanted.
function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

/**
 * Undefined once nothing of the old postmaster is left (its stale postmaster.pid removed); else what still runs.
 * `asked` remembers, per pid, when it was first asked to end (the caller polls with the same map): a live
 * postmaster gets a fast shutdown, then an immediate one; children of a dead postmaster that are still busy
 * (a long query notices the postmaster's death only when it ends) get SIGKILL after FAST_STOP_MS.
 */
export async function clearOldPostmaster(pgData: string, socketDir: string, asked: Map<number, number>, now = Date.now()): Promise<string | undefined> {
  const state = await inspectPidFile(pgData);
  if (state.kind === 'live') {
    const since = asked.get(state.pid);
    if (since === undefined) {
      signal(state.pid, 'SIGINT');
      asked.set(state.pid, now);
      return `the old postmaster (pid ${state.pid}) still runs: fast shutdown requested`;
    }
    if (now - since < FAST_STOP_MS) return `the old postmaster (pid ${state.pid}) still runs: fast shutdown requested`;
    signal(state.pid, 'SIGQUIT');
    return `the old postmaster (pid ${state.pid}) ignored a fast shutdown for ${FAST_STOP_MS / 1000} s: immediate shutdown requested`;
  }
  const left = await processesInDataDir(pgData);
  if (left.length > 0) {
    const overdue = left.filter((pid) => now - (asked.get(pid) ?? now) >= FAST_STOP_MS);
    for (const pid of left) if (!asked.has(pid)) asked.set(pid, now);
    for (const pid of overdue) signal(pid, 'SIGKILL');
    return overdue.length > 0 ? `processes of the old postmaster still ran after ${FAST_STOP_MS / 1000} s: killed (${overdue.join(', ')})` : `processes of the old postmaster still run (${left.join(', ')})`;
  }
  if (state.kind === 'stale') await cleanStalePidFile(pgData, socketDir);
  return undefined;
}
