// Several instance managers (local-cluster: one process per instance, and the command itself playing the
// operator) read-modify-write the same status file. A merge patch read before another process's write and
// written after it would undo that write, so each read-modify-write holds a lock file beside the status file.
// The lock is created with O_CREAT|O_EXCL (open 'wx': atomic on a local filesystem) and holds the holder's pid
// and start time. A lock whose holder is dead, or that is older than STALE_MS (a read-modify-write takes
// milliseconds), is stale: it is renamed away to a unique name (only one of two contenders can rename the same
// file), checked to be the one judged stale, and removed.
import { link, open, readFile, rename, unlink } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { ManagerError } from '../errors.js';
import type { StatusPatch } from '../model/objects.js';
import { mergeStatusPatch, writeStatusText } from './status-file.js';

/** A lock older than this is stale whoever holds it. */
export const STALE_MS = 10_000;
/** How long a writer waits for the lock before giving up. */
export const LOCK_WAIT_MS = 15_000;

export interface LockOptions {
  staleMs?: number;
  waitMs?: number;
  /** Whether a pid runs (default: kill(pid, 0)); tests pass their own. */
  alive?: (pid: number) => boolean;
  now?: () => number;
}

/** Whether `pid` runs (kill(pid, 0); EPERM: it exists but is another user's). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but is another user's.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function tryCreate(lockPath: string, stamp: string): Promise<boolean> {
  try {
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- the status file's path from the Config
    const handle = await open(lockPath, 'wx', 0o600);
    try {
      await handle.writeFile(stamp);
    } finally {
      await handle.close();
    }
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new ManagerError('CONFIG_WRITE', `cannot create the status lock ${lockPath}: ${(err as Error).message}`, { cause: err });
  }
}

function isStale(text: string, o: Required<Pick<LockOptions, 'staleMs' | 'alive' | 'now'>>): boolean {
  const [pidText, atText] = text.trim().split(' ');
  const pid = Number(pidText);
  const at = Number(atText);
  // A half-written lock (created, not yet written) is young, not stale: judged by age only once old enough.
  if (!Number.isInteger(pid) || pid <= 0 || !Number.isFinite(at)) return false;
  return !o.alive(pid) || o.now() - at > o.staleMs;
}

// Removes the lock when it still holds `seen` (the text judged stale); puts back one that changed meanwhile.
async function breakStale(lockPath: string, seen: string): Promise<void> {
  const aside = `${lockPath}.stale-${process.pid}-${Math.random().toString(36).slice(2)}`;
  try {
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- beside the status file
    await rename(lockPath, aside);
  } catch {
    return; // someone else broke or released it
  }
  // eslint-disable-next-line security/detect-non-literal-fs-filename -- same
  const taken = await readFile(aside, 'utf8').catch(() => '');
  // eslint-disable-next-line security/detect-non-literal-fs-filename -- same
  if (taken !== seen) await link(aside, lockPath).catch(() => undefined); // a live lock taken by mistake goes back
  // eslint-disable-next-line security/detect-non-literal-fs-filename -- same
  await unlink(aside).catch(() => undefined);
}

/** Runs `fn` holding `<statusFile>.lock`; throws naming the lock when it cannot be had within waitMs. */
export async function withStatusLock<T>(statusFile: string, fn: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  const o = { staleMs: options.staleMs ?? STALE_MS, alive: options.alive ?? processAlive, now: options.now ?? Date.now };
  const lockPath = `${statusFile}.lock`;
  const deadline = Date.now() + (options.waitMs ?? LOCK_WAIT_MS);
  for (let pause = 2; ; pause = Math.min(pause * 2, 50)) {
    if (await tryCreate(lockPath, `${process.pid} ${o.now()}\n`)) break;
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- same
    const text = await readFile(lockPath, 'utf8').catch(() => undefined);
    if (text !== undefined && isStale(text, o)) {
      await breakStale(lockPath, text);
      continue;
    }
    if (Date.now() > deadline) {
      throw new ManagerError('CONFIG_WRITE', `the status lock ${lockPath} is held (${(text ?? '').trim() || 'no holder written'}) for more than ${options.waitMs ?? LOCK_WAIT_MS} ms`, { retryable: true });
    }
    await sleep(pause + Math.random() * pause);
  }
  try {
    return await fn();
  } finally {
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- same
    await unlink(lockPath).catch(() => undefined);
  }
}

/** One read-modify-write of the status file under its lock: merges `patch` (RFC 7386) and writes atomically. */
export async function patchStatusFile(statusFile: string, patch: StatusPatch, options: LockOptions = {}): Promise<void> {
  await withStatusLock(
    statusFile,
    async () => {
      const { after } = await mergeStatusPatch(statusFile, patch);
      await writeStatusText(statusFile, after);
    },
    options,
  );
}
