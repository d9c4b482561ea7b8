// One child kept running (local-cluster: an instance manager per instance): started, restarted with
// backoff when it exits unasked (restart-backoff.ts: at once the first time, then doubling), stopped with
// SIGTERM and, past a deadline, SIGKILL. The child runs in its own process group, so a Ctrl-C at the terminal
// reaches only the parent, which stops its children once (a second signal would hurry their shutdown).
import { setTimeout as sleep } from 'node:timers/promises';
import type { ChildRegistry } from './child-registry.js';
import { nextRestart, type BackoffPolicy } from './restart-backoff.js';
import { spawnProcess, type ProcessExit, type SpawnedProcess } from './spawn.js';

export interface KeptProcessOptions {
  name: string;
  file: string;
  args: readonly string[];
  registry: ChildRegistry;
  env?: Readonly<Record<string, string>>;
  /** Each line of the child's stdout and stderr. */
  onLine: (line: string) => void;
  onStart?: (pid: number) => void;
  onExit?: (exit: ProcessExit, restartInMs: number | undefined) => void;
  /** Exit codes that ask for a restart at once (a demoted instance manager), not counted as failures. */
  restartAtOnce?: readonly number[];
  backoff?: BackoffPolicy;
  /** The shortest wait before a restart (default 0); local-cluster waits, so a failover can begin first. */
  minRestartMs?: number;
  /** After SIGTERM, how long before SIGKILL (default 120 s: a smart then fast shutdown fits). */
  stopGraceMs?: number;
}

/**
 * The child keeper's default backoff: 1 s doubling to 30 s; 10 s up and it has recovered. A manager that
 * fails at start dies within a few seconds and backs off; one killed after it had served (a failover test
 * kills each primary in turn) comes back after minRestartMs instead of 2, 4, 8 s (60 s here did that).
 */
export const KEPT_BACKOFF: BackoffPolicy = Object.freeze({ initialMs: 1000, maxMs: 30_000, resetAfterReadyMs: 10_000 });

function pipeLines(stream: NodeJS.ReadableStream | null, onLine: (line: string) => void): void {
  if (!stream) return;
  let rest = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const lines = (rest + chunk).split('\n');
    rest = lines.pop() ?? '';
    for (const l of lines) onLine(l);
  });
  stream.on('end', () => {
    if (rest) onLine(rest);
  });
}

/** Keeps the child running until `stop` aborts; resolves once it has exited after the stop. */
export async function keepProcess(o: KeptProcessOptions, stop: AbortSignal): Promise<void> {
  let failures = 0;
  while (!stop.aborted) {
    const startedAt = Date.now();
    const child: SpawnedProcess = await spawnProcess(o.file, o.args, { registry: o.registry, env: o.env, detached: true, stdout: 'pipe', stderr: 'pipe' });
    o.onStart?.(child.pid);
    pipeLines(child.subprocess.stdout, o.onLine);
    pipeLines(child.subprocess.stderr, o.onLine);
    let killer: NodeJS.Timeout | undefined;
    const onStop = (): void => {
      child.subprocess.kill('SIGTERM');
      killer = setTimeout(() => killGroup(child), o.stopGraceMs ?? 120_000);
    };
    stop.addEventListener('abort', onStop, { once: true });
    const exit = await child.exited;
    clearTimeout(killer);
    stop.removeEventListener('abort', onStop);
    if (stop.aborted) {
      o.onExit?.(exit, undefined);
      return;
    }
    const atOnce = exit.exitCode !== null && (o.restartAtOnce ?? []).includes(exit.exitCode);
    const next = atOnce ? { delayMs: 0, failures } : nextRestart(failures, Date.now() - startedAt, o.backoff ?? KEPT_BACKOFF);
    failures = next.failures;
    if (!atOnce) next.delayMs = Math.max(next.delayMs, o.minRestartMs ?? 0);
    o.onExit?.(exit, next.delayMs);
    if (next.delayMs > 0) await sleep(next.delayMs, undefined, { signal: stop }).catch(() => undefined);
  }
}

// The child's whole group (it is a group leader): a manager that ignored SIGTERM, and its postmaster.
function killGroup(child: SpawnedProcess): void {
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    child.subprocess.kill('SIGKILL');
  }
}
