// Runs a short tool (pg_controldata, initdb, initdb --sync-only, the certificate child) to completion through
// execa, with execa's own termination and error fields (https://github.com/sindresorhus/execa/blob/main/docs/termination.md,
// docs/errors.md): `timeout`, `cancelSignal`, `forceKillAfterDelay`, `maxBuffer`, and `cleanup`, which ends a
// tool still running when the manager exits. The postmaster is supervised and keeps its own spawn (spawn.ts).
// execa is loaded the first time a tool runs (~25 ms, README "Set up and run"), never before the postmaster
// spawn of an ordinary start; a first start pays it for initdb.
import { setTimeout as delay } from 'node:timers/promises';
import { track, type SpawnOptions } from './spawn.js';

export interface RunOptions extends Omit<SpawnOptions, 'stdin' | 'stdout' | 'stderr' | 'detached'> {
  /** execa `timeout`: after this, SIGTERM; then SIGKILL after killGraceMs. */
  timeoutMs: number;
  /** execa `forceKillAfterDelay`; default 5 s. Short tools are safe to SIGKILL (unlike a postmaster). */
  killGraceMs?: number;
  /** execa `maxBuffer`, per stream (characters); default 1 MiB. Beyond it the tool is stopped and `outputTooLarge` set. */
  maxOutputBytes?: number;
  /** execa `cancelSignal`: abort terminates the tool like the timeout does (`canceled`, not `timedOut`). */
  signal?: AbortSignal;
  /** Written to the tool's stdin, which is then closed; without it stdin is /dev/null. */
  input?: string;
  /**
   * Sees each stderr line as it comes (a progress report), through an execa line transform; a line it
   * returns false for is not kept in `stderr` (so a long stream of progress lines never fills maxBuffer).
   */
  onStderrLine?: (line: string) => boolean;
  /** Called once the tool has been spawned (work the caller wants to do while it runs, off its critical path). */
  onSpawned?: () => void;
}

// An execa generator transform (https://github.com/sindresorhus/execa/blob/main/docs/transform.md): lines in, lines out.
function lineTap(onLine: (line: string) => boolean): { transform: (line: unknown) => Generator<string, void, undefined> } {
  return {
    *transform(line: unknown) {
      const text = String(line);
      if (onLine(text)) yield text;
    },
  };
}

/** How the tool ended, from execa's result fields. */
export interface RunResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** execa `timedOut`. */
  timedOut: boolean;
  /** execa `isCanceled`: stopped because `signal` aborted. */
  canceled: boolean;
  /** execa `isMaxBuffer`: output went over maxOutputBytes and the tool was stopped. */
  outputTooLarge: boolean;
  /** execa `isForcefullyTerminated`: it ignored SIGTERM and got SIGKILL after killGraceMs. */
  forceKilled: boolean;
}

// How long to keep reading after exit: a grandchild the tool left behind (initdb's single-user postgres after
// initdb was killed, a daemon) may hold our pipes, and we must not wait for it to end. execa itself waits.
const DRAIN_AFTER_EXIT_MS = 200;

/** Runs `file args` and resolves with its exit status and output; rejects only if it cannot start. */
export async function runToCompletion(file: string, args: readonly string[], opts: RunOptions): Promise<RunResult> {
  const { timeoutMs, killGraceMs = 5000, maxOutputBytes = 1024 * 1024, signal, input, registry, errorCode, onStderrLine } = opts;
  const { execa } = await import('execa');
  const subprocess = execa(file, args, {
    env: opts.env,
    extendEnv: opts.env === undefined,
    cwd: opts.cwd,
    uid: opts.uid,
    gid: opts.gid,
    stdin: input === undefined ? 'ignore' : 'pipe',
    stderr: onStderrLine === undefined ? 'pipe' : lineTap(onStderrLine),
    input,
    timeout: timeoutMs,
    cancelSignal: signal,
    forceKillAfterDelay: killGraceMs,
    maxBuffer: maxOutputBytes,
    stripFinalNewline: false,
    // Exit status is data (callers branch on exitCode, signal, timedOut...), not an exception.
    reject: false,
    // A tool still running when the manager exits is killed (signal-exit's 'exit' hook). On SIGTERM/SIGINT
    // signal-exit stands back while signals.ts has its own listeners (it acts only when it is the last one),
    // so it never races the stop sequence; before those exist (a signal during initdb) it kills the tool too.
    cleanup: true,
  });
  // Registered synchronously, before any await: the reaper never waitpids a tool libuv waits for.
  const tracked = track(file, subprocess, { registry, errorCode }, async () => {
    const result = await subprocess;
    return { message: result.shortMessage ?? 'not started', cause: result.cause ?? result };
  });
  opts.onSpawned?.();
  const child = await tracked;
  await child.exited;
  const settle = new AbortController();
  const drained = await Promise.race([
    subprocess.then(() => true),
    delay(DRAIN_AFTER_EXIT_MS, false, { signal: settle.signal }).catch(() => false),
  ]);
  settle.abort();
  if (!drained) {
    // execa keeps what it has read so far and resolves once the pipes are closed.
    subprocess.stdout?.destroy();
    subprocess.stderr?.destroy();
  }
  const r = await subprocess;
  return {
    exitCode: r.exitCode ?? null,
    signal: r.signal ?? null,
    stdout: typeof r.stdout === 'string' ? r.stdout : '',
    stderr: typeof r.stderr === 'string' ? r.stderr : '',
    timedOut: r.timedOut,
    canceled: r.isCanceled,
    outputTooLarge: r.isMaxBuffer,
    forceKilled: r.isForcefullyTerminated,
  };
}

/** Why a tool failed ("timed out", "interrupted", the signal, or "exit code N") and the last line of its stderr. */
export function failureReason(result: RunResult): { why: string; lastLine: string } {
  const why = result.timedOut
    ? 'timed out'
    : result.canceled
      ? 'interrupted'
      : result.outputTooLarge
        ? 'output over the limit'
        : (result.signal ?? `exit code ${String(result.exitCode)}`);
  return { why, lastLine: result.stderr.trim().split('\n').pop() ?? '' };
}
