// pg_basebackup of the primary into a folder, through execa (run-to-completion.ts: timeout, cancelSignal,
// forceKillAfterDelay). Progress is logged every 5 s, from one of two sources:
// - the copy's size on disk against a total the caller estimates (`progressFromDisk`: the join, which asks the
//   primary). pg_basebackup runs without -P, as CNPG's join does: with -P the server first walks PGDATA for the
//   total, and a 1 GB clone took 3-10% longer here (docs/performance.md);
// - otherwise pg_basebackup's own report (`-P`, one line per second on a non-terminal stderr:
//   src/bin/pg_basebackup/pg_basebackup.c progress_report), kept out of the output buffer.
// `-c fast`: CNPG leaves the default spread checkpoint, which on a busy primary makes a
// clone wait for up to checkpoint_completion_target x checkpoint_timeout before it copies a byte.
import { join } from 'node:path';
import { ManagerError } from '../errors.js';
import { folderBytes } from '../files/folder-bytes.js';
import { namedLogger, type Logger } from '../log/logger.js';
import type { ChildRegistry } from '../supervisor/child-registry.js';
import { failureReason, runToCompletion } from '../supervisor/run-to-completion.js';
import { postgresEnv } from '../supervisor/spawn.js';

export interface BasebackupOptions {
  pgBin: string;
  /** A folder that does not exist yet; pg_basebackup creates it (mode 0700). */
  target: string;
  conninfo: string;
  registry: ChildRegistry;
  root: Logger;
  signal: AbortSignal;
  /** Bound on the whole copy (execa timeout); default 24 h. */
  timeoutMs?: number;
  /** How often progress is logged; default 5 s. */
  progressEveryMs?: number;
  /** --waldir and --tablespace-mapping options (extra-folders.ts). */
  extraArgs?: readonly string[];
  /** Progress from the size of `target` (without pg_wal) and `folders` against `total`, instead of -P. */
  progressFromDisk?: { folders: readonly string[]; total: Promise<number | undefined> };
}

interface Progress {
  doneBytes: number;
  totalBytes?: number;
}

/** `12345/67890 kB (18%), 0/1 tablespace ...` -> done and total bytes. */
export function parseProgress(line: string): { doneBytes: number; totalBytes: number } | undefined {
  const m = /^\s*(\d+)\/(\d+) kB \(\d+%\)/.exec(line);
  return m ? { doneBytes: Number(m[1]) * 1024, totalBytes: Number(m[2]) * 1024 } : undefined;
}

const withPercent = (p: Progress): Progress & { percent?: number } =>
  // An estimated total can fall short of the copy: the figure stays below 100 until the copy is complete.
  p.totalBytes ? { ...p, percent: Math.min(99, Math.round((p.doneBytes * 100) / p.totalBytes)) } : p;

/** Runs pg_basebackup; resolves when the copy is complete, rejects (naming the reason) otherwise. */
export async function runBasebackup(o: BasebackupOptions): Promise<void> {
  const log = namedLogger(o.root, 'pg_basebackup');
  const every = o.progressEveryMs ?? 5000;
  const started = Date.now();
  let lastLogged = 0;
  let last: Progress | undefined;
  const report = (progress: Progress): void => {
    last = progress;
    lastLogged = Date.now();
    log.info(withPercent(progress), 'clone progress');
  };
  const onLine = (line: string): boolean => {
    const progress = parseProgress(line);
    if (progress === undefined) {
      if (line.trim() !== '') log.info(line.replace(/^pg_basebackup: /, ''));
      return true;
    }
    if (Date.now() - lastLogged >= every) report(progress);
    return false;
  };
  const disk = o.progressFromDisk;
  const ticker = disk ? diskProgress(o.target, disk, every, report) : undefined;
  const args = ['-D', o.target, '-v', '-w', ...(disk ? [] : ['-P']), '-c', 'fast', '-X', 'stream', ...(o.extraArgs ?? []), '-d', o.conninfo];
  const result = await runToCompletion(join(o.pgBin, 'pg_basebackup'), args, {
    registry: o.registry,
    timeoutMs: o.timeoutMs ?? 24 * 3600_000,
    errorCode: 'BOOTSTRAP',
    env: postgresEnv(),
    signal: o.signal,
    onStderrLine: onLine,
  }).finally(() => ticker?.stop());
  if (result.exitCode !== 0) {
    if (result.canceled) throw new ManagerError('BOOTSTRAP', `pg_basebackup interrupted by a stop request (${String(o.signal.reason)}): the partial copy was removed`);
    const { why, lastLine } = failureReason(result);
    throw new ManagerError('BOOTSTRAP', `pg_basebackup failed (${why})${lastLine ? `: ${lastLine}` : ''}`, { retryable: true });
  }
  log.info({ durationMs: Date.now() - started, ...(last ?? {}) }, 'clone complete');
}

// Once the total is known, then every `every` ms: the bytes under the copy (pg_wal left out: streamed WAL is not
// in the total) and the extra folders. One walk at a time; stop() waits for the one under way.
function diskProgress(target: string, disk: NonNullable<BasebackupOptions['progressFromDisk']>, every: number, report: (p: Progress) => void): { stop: () => Promise<void> } {
  let totalBytes: number | undefined;
  let walk: Promise<void> | undefined;
  let stopped = false;
  const tick = (): void => {
    walk ??= (async () => {
      const sizes = await Promise.all([folderBytes(target, ['pg_wal']), ...disk.folders.map((f) => folderBytes(f))]);
      if (!stopped) report({ doneBytes: sizes.reduce((a, b) => a + b, 0), ...(totalBytes ? { totalBytes } : {}) });
    })().finally(() => (walk = undefined));
  };
  disk.total.then(
    (t) => {
      totalBytes = t;
      if (!stopped) tick();
    },
    () => undefined,
  );
  const timer = setInterval(tick, every);
  return {
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await walk;
    },
  };
}
