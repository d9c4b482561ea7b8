// Runs a short tool (pg_controldata, pg_ctl, initdb...) to completion with a timeout and capped output.
import { once } from 'node:events';
import type { Readable } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import { CappedOutput } from './capped-output.js';
import { track, type SpawnedProcess, type SpawnOptions } from './spawn.js';

export interface RunOptions extends Omit<SpawnOptions, 'stdin' | 'stdout' | 'stderr'> {
  /** After this, SIGTERM; then SIGKILL after killGraceMs. */
  timeoutMs: number;
  /** Default 5 s. Short tools are safe to SIGKILL (unlike a postmaster), so a hung one cannot hang us. */
  killGraceMs?: number;
  /** Per stream; default 64 KiB (head and tail kept, middle dropped). */
  maxOutputBytes?: number;
  /** Abort terminates the tool the same way as the timeout (timedOut stays false). */
  signal?: AbortSignal;
  /** Written to the tool's stdin, which is then closed; without it stdin is /dev/null. */
  input?: string;
  /**
   * How the tool is spawned: through execa (the default, loaded on first use), or `spawnProcess` for a tool
   * on the start-up critical path that should not wait ~25 ms for execa to load (initdb).
   */
  spawn?: (file: string, args: readonly string[], opts: SpawnOptions) => Promise<SpawnedProcess>;
}

export interface RunResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** Some output was dropped to respect maxOutputBytes. */
  truncated: boolean;
}

// How long to keep reading after exit: a tool that started a daemon (pg_ctl start) may leave it holding
// our pipes, and we must not wait for that daemon to end.
const DRAIN_AFTER_EXIT_MS = 200;

function capture(stream: Readable | null, sink: CappedOutput): Promise<unknown> {
  if (stream === null) return Promise.resolve();
  stream.on('data', (chunk: Buffer) => sink.push(chunk));
  return once(stream, 'close').catch(() => undefined);
}

/** Runs `file args` and resolves with its exit status and output; rejects only if it cannot start. */
export async function runToCompletion(file: string, args: readonly string[], opts: RunOptions): Promise<RunResult> {
  const { timeoutMs, killGraceMs = 5000, maxOutputBytes = 64 * 1024, signal, input, spawn = spawnTool, ...spawnOpts } = opts;
  const stdin = input === undefined ? 'ignore' : 'pipe';
  const child = await spawn(file, args, { ...spawnOpts, stdin, stdout: 'pipe', stderr: 'pipe' });
  const toolInput = child.subprocess.stdin;
  if (input !== undefined && toolInput !== null) {
    // A tool that exits without reading makes the write fail with EPIPE: its exit status tells the story.
    toolInput.on('error', () => undefined);
    toolInput.end(input);
  }
  const stdout = new CappedOutput(maxOutputBytes);
  const stderr = new CappedOutput(maxOutputBytes);
  const drained = Promise.all([capture(child.subprocess.stdout, stdout), capture(child.subprocess.stderr, stderr)]);

  let timedOut = false;
  let killTimer: NodeJS.Timeout | undefined;
  const terminate = (): void => {
    if (killTimer !== undefined) return;
    child.subprocess.kill('SIGTERM');
    killTimer = setTimeout(() => child.subprocess.kill('SIGKILL'), killGraceMs);
  };
  const timer = setTimeout(() => {
    timedOut = true;
    terminate();
  }, timeoutMs);
  signal?.addEventListener('abort', terminate, { once: true });
  if (signal?.aborted === true) terminate();

  const exit = await child.exited;
  clearTimeout(timer);
  clearTimeout(killTimer);
  signal?.removeEventListener('abort', terminate);

  const settle = new AbortController();
  await Promise.race([drained, delay(DRAIN_AFTER_EXIT_MS, undefined, { signal: settle.signal }).catch(() => undefined)]);
  settle.abort();
  child.subprocess.stdout?.destroy();
  child.subprocess.stderr?.destroy();
  return {
    exitCode: exit.exitCode,
    signal: exit.signal,
    stdout: stdout.text(),
    stderr: stderr.text(),
    timedOut,
    truncated: stdout.truncated || stderr.truncated,
  };
}

// Short tools run through execa, loaded the first time one runs (it is not needed to spawn the postmaster).
async function spawnTool(file: string, args: readonly string[], opts: SpawnOptions): Promise<SpawnedProcess> {
  const { execa } = await import('execa');
  const subprocess = execa(file, args, {
    env: opts.env,
    extendEnv: opts.env === undefined,
    cwd: opts.cwd,
    uid: opts.uid,
    gid: opts.gid,
    detached: opts.detached ?? false,
    stdin: opts.stdin ?? 'ignore',
    stdout: opts.stdout ?? 'pipe',
    stderr: opts.stderr ?? 'pipe',
    // The caller captures output itself (capped, head and tail kept); execa discards unread piped output
    // rather than letting the child block.
    buffer: false,
    // Exit status is data (the caller branches on exitCode/signal), not an exception.
    reject: false,
    // The timeout escalation above is ours: SIGTERM, then SIGKILL after killGraceMs, never behind our back.
    forceKillAfterDelay: false,
    // No signal-exit hook: it would install its own SIGTERM/SIGINT handlers next to signals.ts and race our
    // shutdown sequence. As PID 1 our exit kills the whole PID namespace.
    cleanup: false,
  });
  return track(file, subprocess, opts, async () => {
    const result = await subprocess;
    return { message: result.shortMessage ?? 'not started', cause: result.cause ?? result };
  });
}

/** Why a tool failed ("timed out", the signal, or "exit code N") and the last line of its stderr, for a message. */
export function failureReason(result: RunResult): { why: string; lastLine: string } {
  const why = result.timedOut ? 'timed out' : result.signal ?? `exit code ${String(result.exitCode)}`;
  return { why, lastLine: result.stderr.trim().split('\n').pop() ?? '' };
}
