// Process-tree helpers for the lifecycle integration tests, read from the host's /proc as the reaper does:
// who descends from the manager, who is a zombie, which processes of a snapshot are really gone.
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { processesMentioning } from './manager.js';

export interface ProcInfo {
  pid: number;
  ppid: number;
  /** One letter: R, S, D, Z, ... */
  state: string;
  comm: string;
  /** Clock ticks since boot: with the pid, names one process even if the pid is reused. */
  startTime: number;
}

/** Parses /proc/<pid>/stat; undefined when the process is gone. */
export function procInfo(pid: number): ProcInfo | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // comm may hold spaces and parentheses: it ends at the last ')'.
  const close = text.lastIndexOf(')');
  const comm = text.slice(text.indexOf('(') + 1, close);
  const rest = text.slice(close + 2).split(' ');
  return { pid, ppid: Number(rest[1]), state: rest[0] ?? '?', comm, startTime: Number(rest[19]) };
}

/** Every process the host /proc shows. */
export function allProcs(): ProcInfo[] {
  const out: ProcInfo[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const info = procInfo(Number(entry));
    if (info) out.push(info);
  }
  return out;
}

/** The command line of a process ('' for a zombie or a vanished one). */
export function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
  } catch {
    return '';
  }
}

/** All descendants of `root` (not `root` itself), by walking ppid links. */
export function descendants(root: number): ProcInfo[] {
  const procs = allProcs();
  const byParent = new Map<number, ProcInfo[]>();
  for (const p of procs) byParent.set(p.ppid, [...(byParent.get(p.ppid) ?? []), p]);
  const out: ProcInfo[] = [];
  const queue = [root];
  for (let pid = queue.shift(); pid !== undefined; pid = queue.shift()) {
    for (const c of byParent.get(pid) ?? []) {
      out.push(c);
      queue.push(c.pid);
    }
  }
  return out;
}

/** Zombies among the descendants of `root`. */
export function zombiesUnder(root: number): ProcInfo[] {
  return descendants(root).filter((p) => p.state === 'Z');
}

/** The processes of `snapshot` that still exist (same pid and start time), zombies included. */
export function stillPresent(snapshot: readonly ProcInfo[]): ProcInfo[] {
  return snapshot.flatMap((p) => {
    const now = procInfo(p.pid);
    return now && now.startTime === p.startTime ? [now] : [];
  });
}

/** The postmaster among the children of `managerPid` (the one started with -D), if running. */
export function postmasterChild(managerPid: number): ProcInfo | undefined {
  return allProcs().find((p) => p.ppid === managerPid && p.state !== 'Z' && / -D /.test(cmdline(p.pid)));
}

/** Polls `probe` until it returns something other than undefined/false, or fails after `timeoutMs`. */
export async function waitUntil<T>(probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs: number, what: string, intervalMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) {
      const detail = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail}`);
    }
    await sleep(intervalMs);
  }
}

/** Waits until no process mentions `needle`; returns the pids still there at the deadline. */
export async function waitNoneMentioning(needle: string, timeoutMs: number): Promise<number[]> {
  const ownPid = process.pid;
  const others = (): number[] => processesMentioning(needle).filter((p) => p !== ownPid);
  const deadline = Date.now() + timeoutMs;
  while (others().length > 0 && Date.now() < deadline) await sleep(25);
  return others().map((pid) => pid);
}

/** After-hook cleanup: SIGKILL whatever still mentions `needle`, then the given pids, and wait briefly. */
export async function killLeftovers(needle: string, extraPids: readonly number[] = []): Promise<void> {
  const pids = [...processesMentioning(needle).filter((p) => p !== process.pid), ...extraPids];
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await waitNoneMentioning(needle, 5000);
}

/** After-hook cleanup of one test dir: kill what still mentions it, then remove it. */
export async function cleanupDir(dir: string, extraPids: readonly number[] = []): Promise<void> {
  await killLeftovers(dir, extraPids);
  rmSync(dir, { recursive: true, force: true });
}
