// The one wrapper through which the manager spawns processes: argv arrays (no shell), and every pid goes
// into the ChildRegistry before anything can yield, so the orphan reaper never steals libuv's exit status.
// The supervised child (the postmaster) is spawned with node:child_process: loading execa takes ~25 ms, and
// the postmaster spawn is on the critical path of every start. Short tools run through execa
// (run-to-completion.ts), loaded the first time one runs; both go through track() below.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import { ManagerError, type ErrorCode } from '../errors.js';
import type { ChildRegistry } from './child-registry.js';

/** Our environment as strings, without the `drop`ped names: for a child whose environment we adjust. */
export function inheritedEnv(drop: readonly string[] = []): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !drop.includes(k)) env[k] = v; // eslint-disable-line security/detect-object-injection
  return env;
}

// libpq's variables (PGHOST, PGUSER, PGSSLMODE, PGPASSWORD, PGOPTIONS...: every name is PG and a letter,
// https://www.postgresql.org/docs/current/libpq-envars.html) and the server's (PGDATA, PGPORT, PGDATESTYLE,
// PGCLIENTENCODING, read as setting defaults by guc.c InitializeGUCOptions). The libpq inside postgres
// (walreceiver, logical replication, dblink, postgres_fdw) and the programs its commands run would take the
// former as defaults; the manager says what it means by argv and configuration files instead. PG_OOM_ADJUST_*
// and PG_COLOR (PG and an underscore) stay.
const PG_VARIABLE = /^PG[A-Z]/;

/** Our environment without any PG* variable, plus `extra`: for postgres, initdb and pg_controldata. */
export function postgresEnv(extra: Readonly<Record<string, string>> = {}): Record<string, string> {
  const env = inheritedEnv(Object.keys(process.env).filter((k) => PG_VARIABLE.test(k)));
  return { ...env, ...extra };
}

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

/** What we use of a child process, as node:child_process and execa both return it. */
export interface Subprocess {
  readonly pid?: number | undefined;
  readonly stdin: Writable | null;
  readonly stdout: Readable | null;
  readonly stderr: Readable | null;
  /** False once the exit was seen: never signals a reused pid. */
  kill(signal?: NodeJS.Signals): boolean;
  /** Lets the event loop end while the child still runs. */
  unref(): void;
  once(event: 'exit', listener: (exitCode: number | null, signal: NodeJS.Signals | null) => void): unknown;
}

export interface SpawnedProcess {
  pid: number;
  /** Send signals with `subprocess.kill(sig)` (a no-op once exited, so no pid-reuse risk). */
  subprocess: Subprocess;
  /** Resolves when Node has observed the exit (never rejects); the pid is unregistered just before. */
  exited: Promise<ProcessExit>;
}

/** Spawns `file` with `args`, registered in `registry` until Node has seen it exit. */
export async function spawnProcess(file: string, args: readonly string[], opts: SpawnOptions): Promise<SpawnedProcess> {
  // Output is streamed by the caller (never buffered) and nothing is killed behind the caller's back: the
  // postmaster gets explicit signals from lifecycle.ts and stop.ts.
  let subprocess: ChildProcess;
  try {
    subprocess = spawn(file, args, {
      env: opts.env ?? process.env,
      cwd: opts.cwd,
      uid: opts.uid,
      gid: opts.gid,
      detached: opts.detached ?? false,
      stdio: [opts.stdin ?? 'ignore', opts.stdout ?? 'pipe', opts.stderr ?? 'pipe'],
    });
  } catch (err) {
    // Some failures (EPERM for uid, EINVAL...) are thrown rather than emitted.
    throw new ManagerError(opts.errorCode ?? 'INTERNAL', `could not start ${file}: ${(err as Error).message}`, { cause: err });
  }
  // An 'error' is either "not started" (read by track() below) or, later, a failed kill(): always heard,
  // never an uncaught exception.
  subprocess.on('error', () => undefined);
  // Not started (ENOENT, EACCES...): Node emits 'error' on the next tick, after track() listens for it.
  return track(file, subprocess, opts, async () => {
    const [err] = (await once(subprocess, 'error')) as Error[];
    return { message: err?.message ?? 'unknown error', cause: err };
  });
}

/**
 * Registers a just-spawned child (synchronously: no SIGCHLD-driven scan can run first) and returns its
 * handle; a child that did not start throws a ManagerError saying why.
 */
export async function track(
  file: string,
  subprocess: Subprocess,
  opts: Pick<SpawnOptions, 'registry' | 'errorCode'>,
  whyNotStarted: () => Promise<{ message: string; cause: unknown }>,
): Promise<SpawnedProcess> {
  const pid = subprocess.pid;
  if (pid === undefined) {
    const why = await whyNotStarted();
    throw new ManagerError(opts.errorCode ?? 'INTERNAL', `could not start ${file}: ${why.message}`, { cause: why.cause });
  }
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
