// The one wrapper through which the manager spawns processes: argv arrays (no shell), and every pid goes
// into the ChildRegistry before anything can yield, so the orphan reaper never steals libuv's exit status.
import { execa, type ResultPromise } from 'execa';
import { ManagerError, type ErrorCode } from '../errors.js';
import type { ChildRegistry } from './child-registry.js';

export type StdioChoice = 'pipe' | 'ignore' | 'inherit';

export interface SpawnOptions {
  registry: ChildRegistry;
  /** The child's whole environment (not merged with ours). Omitted: inherit the manager's. */
  env?: Readonly<Record<string, string>>;
  cwd?: string;
  /** Run as this user/group (e.g. postgres when the manager runs as root); needs CAP_SETUID/SETGID. */
  uid?: number;
  gid?: number;
  /** Own process group (setsid), so terminal/group signals aimed at us do not reach it. */
  detached?: boolean;
  /** Default 'ignore' for stdin, 'pipe' for stdout/stderr. A 'pipe' must be read by the caller at once. */
  stdin?: StdioChoice;
  stdout?: StdioChoice;
  stderr?: StdioChoice;
  /** Code of the ManagerError thrown when the program cannot be started; default INTERNAL. */
  errorCode?: ErrorCode;
}

/** How a child ended, as Node observed it (after libuv's waitpid). */
export interface ProcessExit {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
}

// The execa options we always use; spelled out so the subprocess type below is precise.
interface FixedOptions {
  buffer: false;
  reject: false;
  forceKillAfterDelay: false;
  cleanup: false;
  stdin: StdioChoice;
  stdout: StdioChoice;
  stderr: StdioChoice;
}

export type Subprocess = ResultPromise<FixedOptions>;

export interface SpawnedProcess {
  pid: number;
  /** The execa subprocess: send signals with `subprocess.kill(sig)` (a no-op once exited, so no pid-reuse risk). */
  subprocess: Subprocess;
  /** Resolves when Node has observed the exit (never rejects); the pid is unregistered just before. */
  exited: Promise<ProcessExit>;
}

/** Spawns `file` with `args`, registered in `registry` until Node has seen it exit. */
export async function spawnProcess(file: string, args: readonly string[], opts: SpawnOptions): Promise<SpawnedProcess> {
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
    // Callers stream output themselves (log re-emitters, capped capture); a postmaster's output must never
    // accumulate in memory, and execa discards unread piped output rather than letting the child block.
    buffer: false,
    // Exit status is data (the caller branches on exitCode/signal), not an exception.
    reject: false,
    // Never SIGKILL behind the caller's back: a SIGKILLed postmaster leaves shared memory and orphaned
    // backends. Escalation is an explicit decision of the stop logic (smart -> fast -> immediate).
    forceKillAfterDelay: false,
    // No signal-exit hook: it would install its own SIGTERM/SIGINT handlers next to signals.ts and race our
    // shutdown sequence, and it cannot run on a crash anyway. As PID 1 our exit kills the whole PID
    // namespace; locally the stop logic terminates children before the manager exits.
    cleanup: false,
  });
  const pid = subprocess.pid;
  if (pid === undefined) {
    // Not started (ENOENT, EACCES, EPERM for uid...): nothing to register; execa reports why.
    const result = await subprocess;
    throw new ManagerError(opts.errorCode ?? 'INTERNAL', `could not start ${file}: ${result.shortMessage}`, {
      cause: result.cause ?? result,
    });
  }
  // Synchronously after the fork: no SIGCHLD-driven scan can run before this line.
  opts.registry.add(pid, file);
  const exited = new Promise<ProcessExit>((resolve) => {
    // 'exit' (not 'close') fires right after libuv's waitpid, even if a grandchild keeps our pipes open.
    subprocess.once('exit', (exitCode: number | null, signal: NodeJS.Signals | null) => {
      opts.registry.delete(pid);
      resolve({ exitCode, signal });
    });
  });
  return { pid, subprocess, exited };
}
