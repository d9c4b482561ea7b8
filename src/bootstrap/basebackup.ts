// pg_basebackup of the primary into a folder, through execa (run-to-completion.ts: timeout, cancelSignal,
// forceKillAfterDelay). Its own progress report (`-P`, one line per second on a non-terminal stderr:
// src/bin/pg_basebackup/pg_basebackup.c progress_report) is logged at most every 5 s and kept out of
// the output buffer. `-c fast`: CNPG leaves the default spread checkpoint, which on a busy primary makes a
// clone wait for up to checkpoint_completion_target x checkpoint_timeout before it copies a byte.
import { join } from 'node:path';
import { ManagerError } from '../errors.js';
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
}

/** `12345/67890 kB (18%), 0/1 tablespace ...` -> done and total bytes. */
export function parseProgress(line: string): { doneBytes: number; totalBytes: number } | undefined {
  const m = /^\s*(\d+)\/(\d+) kB \(\d+%\)/.exec(line);
  return m ? { doneBytes: Number(m[1]) * 1024, totalBytes: Number(m[2]) * 1024 } : undefined;
}

/** Runs pg_basebackup; resolves when the copy is complete, rejects (naming the reason) otherwise. */
export async function runBasebackup(o: BasebackupOptions): Promise<void> {
  const log = namedLogger(o.root, 'pg_basebackup');
  const every = o.progressEveryMs ?? 5000;
  const started = Date.now();
  let lastLogged = 0;
  let last: { doneBytes: number; totalBytes: number } | undefined;
  const onLine = (line: string): boolean => {
    const progress = parseProgress(line);
    if (progress === undefined) {
      if (line.trim() !== '') log.info(line.replace(/^pg_basebackup: /, ''));
      return true;
    }
    last = progress;
    const now = Date.now();
    if (now - lastLogged >= every) {
      lastLogged = now;
      log.info({ ...progress, percent: progress.totalBytes > 0 ? Math.round((progress.doneBytes * 100) / progress.totalBytes) : 0 }, 'clone progress');
    }
    return false;
  };
  const args = ['-D', o.target, '-v', '-w', '-P', '-c', 'fast', '-X', 'stream', ...(o.extraArgs ?? []), '-d', o.conninfo];
  const result = await runToCompletion(join(o.pgBin, 'pg_basebackup'), args, {
    registry: o.registry,
    timeoutMs: o.timeoutMs ?? 24 * 3600_000,
    errorCode: 'BOOTSTRAP',
    env: postgresEnv(),
    signal: o.signal,
    onStderrLine: onLine,
  });
  if (result.exitCode !== 0) {
    if (result.canceled) throw new ManagerError('BOOTSTRAP', `pg_basebackup interrupted by a stop request (${String(o.signal.reason)}): the partial copy was removed`);
    const { why, lastLine } = failureReason(result);
    throw new ManagerError('BOOTSTRAP', `pg_basebackup failed (${why})${lastLine ? `: ${lastLine}` : ''}`, { retryable: true });
  }
  log.info({ durationMs: Date.now() - started, ...(last ?? {}) }, 'clone complete');
}
