// The postgres child: `postgres -D PGDATA` spawned directly (not through pg_ctl) in its own session and
// process group, or a live postmaster adopted from postmaster.pid. Exposes its exit and signals.
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../log/logger.js';
import { namedLogger } from '../log/logger.js';
import { reemitLines } from '../log/child-output.js';
import { ManagerError } from '../errors.js';
import type { ChildRegistry } from './child-registry.js';
import { postgresEnv, spawnProcess } from './spawn.js';
import { processName, readPmStatus } from './pidfile.js';

export interface PostmasterExit {
  exitCode: number | null;
  signal: string | null;
}

export interface Postmaster {
  pid: number;
  /** True when we found it running (postmaster.pid) instead of spawning it: we cannot waitpid it. */
  adopted: boolean;
  exited: Promise<PostmasterExit>;
  hasExited(): boolean;
  /** Sends a signal to the postmaster only (SIGTERM smart, SIGINT fast, SIGQUIT immediate, SIGHUP reload). */
  signal(signal: NodeJS.Signals): void;
  /** Sends a signal to the whole process group: backends left behind by a dead postmaster. */
  signalGroup(signal: NodeJS.Signals): void;
  /** postgres's last complaints on stderr (FATAL, ERROR, LOG... lines), once its stderr ended or after `waitMs`. */
  stderrTail?: (waitMs: number) => Promise<string[]>;
}

// How many stderr lines are kept: a configuration file with errors is reported in a few lines
// (`invalid value for parameter ...`, then `configuration file "..." contains errors; ...`).
const STDERR_TAIL_LINES = 8;
const SEVERITY = /\b(?:FATAL|PANIC|ERROR|WARNING|LOG|DETAIL|HINT):\s+(.*)$/;

function trySignal(target: number, signal: NodeJS.Signals): void {
  try {
    process.kill(target, signal);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

export interface SpawnPostmasterOptions {
  pgBin: string;
  pgData: string;
  registry: ChildRegistry;
  root: Logger;
  /** Variables added to postgres's environment (a bootstrap recovery's object-store credentials). */
  extraEnv?: Readonly<Record<string, string>>;
}

/** Spawns `postgres -D PGDATA` as a direct child; its stdout/stderr become `postgres` log lines. */
export async function spawnPostmaster(options: SpawnPostmasterOptions): Promise<Postmaster> {
  const child = await spawnProcess(join(options.pgBin, 'postgres'), ['-D', options.pgData], {
    registry: options.registry,
    detached: true,
    stdout: 'pipe',
    stderr: 'pipe',
    errorCode: 'POSTMASTER',
    // Let postgres children reset their OOM score (CNPG buildPostgresEnv); no PG* variable of ours.
    env: postgresEnv({ ...options.extraEnv, PG_OOM_ADJUST_FILE: '/proc/self/oom_score_adj', PG_OOM_ADJUST_VALUE: '0' }),
  });
  const pid = child.pid;
  const log = namedLogger(options.root, 'postgres');
  if (child.subprocess.stdout) void reemitLines(child.subprocess.stdout, log, { source: 'stdout' });
  // Before the logging collector runs, postgres says on stderr why it would not start: kept for the error.
  const tail: string[] = [];
  const keep = (text: string): void => {
    const m = SEVERITY.exec(text);
    if (!m?.[1]) return;
    tail.push(m[1]);
    if (tail.length > STDERR_TAIL_LINES) tail.shift();
  };
  const stderrDone = child.subprocess.stderr ? reemitLines(child.subprocess.stderr, log, { source: 'stderr' }, { onLine: keep }) : Promise.resolve();
  const handle = postmasterHandle(pid, false, child.exited);
  handle.stderrTail = async (waitMs) => {
    await Promise.race([stderrDone, sleep(waitMs)]);
    return [...tail];
  };
  return handle;
}

// The handle over a pid and the promise of its exit; signals stop once the exit was seen (pid reuse).
function postmasterHandle(pid: number, adopted: boolean, exit: Promise<PostmasterExit>): Postmaster {
  let done = false;
  const exited = exit.then((r) => {
    done = true;
    return r;
  });
  return {
    pid,
    adopted,
    exited,
    hasExited: () => done,
    signal: (s) => {
      if (!done) trySignal(pid, s);
    },
    signalGroup: (s) => trySignal(-pid, s),
  };
}

/** Watches a postmaster we did not spawn (found live in postmaster.pid) by polling /proc. */
export function adoptPostmaster(pid: number, pollMs = 100): Postmaster {
  const exit = (async (): Promise<PostmasterExit> => {
    while ((await processName(pid)) !== undefined) await sleep(pollMs);
    return { exitCode: null, signal: null };
  })();
  return postmasterHandle(pid, true, exit);
}

/**
 * Waits until postmaster.pid says `ready` (what `pg_ctl -w` polls, src/bin/pg_ctl/pg_ctl.c), polling every
 * few ms (pg_ctl: every 100 ms). Rejects when the postmaster exits first or the deadline passes.
 */
export async function waitUntilReady(pm: Postmaster, pgData: string, timeoutMs: number, signal?: AbortSignal): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exit: PostmasterExit | undefined;
  void pm.exited.then((e) => {
    exit = e;
  });
  const started = Date.now();
  let delay = 2;
  while (Date.now() < deadline) {
    if (exit) {
      const said = withLineNumbers((await pm.stderrTail?.(1000)) ?? []);
      const why = said.length > 0 ? `: ${said.join('; ')}` : '';
      throw new ManagerError('POSTMASTER', `postgres exited during start-up (${exit.signal ?? `exit code ${String(exit.exitCode)}`})${why}`);
    }
    if (signal?.aborted) throw new ManagerError('POSTMASTER', 'start-up interrupted');
    const status = await readPmStatus(pgData);
    if (status === 'ready' || status === 'standby') return;
    await sleep(delay);
    // Every 5 ms while a normal start-up is expected (~50 ms here), then every 20 ms (a crash recovery can
    // take minutes): each poll is one small read, and a late poll delays everything that waits for ready.
    delay = Math.min(delay * 2, Date.now() - started < 2000 ? 5 : 20);
  }
  throw new ManagerError('POSTMASTER', `postgres was not ready after ${Math.round(timeoutMs / 1000)} s (spec.startDelay)`);
}

/**
 * postgres names the file with errors and the bad parameter in two lines but not the line number (it does for
 * a syntax error): added from the file, so the message says where to look.
 */
function withLineNumbers(said: string[]): string[] {
  const file = said.map((l) => /^configuration file "(.+)" contains errors/.exec(l)?.[1]).find(Boolean);
  if (!file) return said;
  let lines: string[];
  try {
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- a file postgres just named, in PGDATA
    lines = readFileSync(file, 'utf8').split('\n');
  } catch {
    return said;
  }
  return said.map((l) => {
    const name = /^invalid value for parameter "([\w.]+)"/.exec(l)?.[1];
    if (!name) return l;
    const at = lines.findLastIndex((text) => text.trimStart().split(/[\s=]/, 1)[0]?.toLowerCase() === name.toLowerCase());
    return at >= 0 ? `${l} (${basename(file)} line ${at + 1})` : l;
  });
}

/** Waits until no process of the postmaster's group is left (orphaned backends of a killed postmaster). */
export async function waitGroupGone(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      process.kill(-pid, 0);
    } catch {
      return true;
    }
    await sleep(5);
  }
  return false;
}
