// Reaps orphaned zombies reparented to the manager (PID 1 in the container, or a child subreaper locally).
// Node/libuv only waits for its own children; as PID 1 we must wait for everyone else's orphans too
// (waitpid(2), https://man7.org/linux/man-pages/man2/waitpid.2.html), but never with waitpid(-1), which would steal libuv's exit statuses
// and leave a ChildProcess that never emits 'exit' (libuv treats ECHILD as "someone stole it").
import { constants } from 'node:os';
import type { Logger } from '../log/logger.js';
import { osCalls } from '../native/os-calls.js';
import type { ChildRegistry } from './child-registry.js';
import { listChildren, listZombieChildren, readProcStat, type ProcStat } from './proc-stat.js';

export interface ReaperOptions {
  registry: ChildRegistry;
  log: Logger;
  /** When not PID 1: become a child subreaper (prctl) so our descendants' orphans come to us (local mode). */
  subreaper?: boolean;
  /** Safety scan period, for a SIGCHLD lost to coalescing; default 5 s. */
  intervalMs?: number;
  /** Default /proc; tests may point elsewhere. */
  procRoot?: string;
  /**
   * Event-loop turns an unregistered zombie must stay a zombie before we reap it (default 2). Two turns
   * guarantee a full libuv poll phase, in which libuv waits for its own children, between the first
   * sighting and the waitpid: a child spawned outside spawn.ts (so not in the registry) is then collected
   * by libuv first, never stolen. 0 trusts the registry alone (tests use 0 to prove the registry works).
   */
  graceTurns?: number;
}

export interface Reaper {
  /** Runs until `signal` aborts; idle (but still resolves on abort) when neither PID 1 nor subreaper. */
  start(signal: AbortSignal): Promise<void>;
  /** One scan now; returns how many orphans it reaped. */
  reapNow(): number;
  /**
   * Before the manager exits: waits up to `timeoutMs` for orphans still running (postgres's logger
   * outlives the postmaster) to exit, reaping them; resolves true when none is left.
   */
  drain(timeoutMs: number): Promise<boolean>;
  /** Counters since creation: full /proc scans and orphans reaped. */
  stats(): { scans: number; reaped: number };
}

interface Candidate {
  stat: ProcStat;
  turn: number;
}

const signalNames = new Map<number, string>(Object.entries(constants.signals).map(([name, n]) => [n, name]));

/** Builds the reaper; nothing happens until start() or reapNow(). */
export function createReaper(options: ReaperOptions): Reaper {
  const { registry, log } = options;
  const procRoot = options.procRoot ?? '/proc';
  const intervalMs = options.intervalMs ?? 5000;
  const graceTurns = options.graceTurns ?? 2;
  let total = 0;
  let scans = 0;
  let turn = 0;
  let candidates = new Map<number, Candidate>();
  let followUp: NodeJS.Immediate | undefined;
  let scanQueued = false;
  const staleRegistered = new Map<number, number>(); // registered zombie pid -> first seen (ms)

  function reapOne(stat: ProcStat): boolean {
    const result = osCalls().reap(stat.pid);
    if (result === null) return false; // not reapable yet (e.g. a zombie leader with live threads)
    total += 1;
    const signal = result.signal === null ? null : (signalNames.get(result.signal) ?? result.signal);
    log.debug({ pid: stat.pid, comm: stat.comm, exitCode: result.exitCode, signal }, 'orphan reaped');
    return true;
  }

  // A zombie in the registry is a child libuv waits for: leave it alone. It should vanish at once;
  // warn (once) if it lingers past a safety interval, which would mean libuv missed a SIGCHLD.
  function noteRegistered(stat: ProcStat, now: number): void {
    const since = staleRegistered.get(stat.pid);
    if (since === undefined) staleRegistered.set(stat.pid, now);
    else if (since >= 0 && now - since >= intervalMs) {
      log.warn({ pid: stat.pid, comm: stat.comm }, 'child spawned by the manager stays a zombie; leaving it to Node');
      staleRegistered.set(stat.pid, -1);
    }
  }

  function consider(stat: ProcStat, next: Map<number, Candidate>): number {
    const previous = candidates.get(stat.pid);
    const seenBefore = previous !== undefined && previous.stat.startTime === stat.startTime;
    const first = seenBefore ? previous : { stat, turn };
    if (turn - first.turn >= graceTurns) return reapOne(stat) ? 1 : 0; // not reapable: retry on a later scan
    next.set(stat.pid, first);
    return 0;
  }

  function reapNow(): number {
    scans += 1;
    const now = Date.now();
    const next = new Map<number, Candidate>();
    const registeredSeen = new Set<number>();
    let reaped = 0;
    for (const stat of listZombieChildren(procRoot, process.pid)) {
      if (registry.has(stat.pid)) {
        registeredSeen.add(stat.pid);
        noteRegistered(stat, now);
      } else {
        reaped += consider(stat, next);
      }
    }
    for (const pid of staleRegistered.keys()) if (!registeredSeen.has(pid)) staleRegistered.delete(pid);
    candidates = next;
    if (candidates.size > 0) scheduleFollowUp();
    return reaped;
  }

  // While candidates wait out their grace turns, re-read only their own stat files, one check per turn.
  // This is the only place `turn` advances, so it moves at most once per check phase: two turns after a
  // sighting, a whole poll phase (where libuv handles SIGCHLD for its own children) has run in between.
  function scheduleFollowUp(): void {
    if (followUp !== undefined) return;
    followUp = setImmediate(() => {
      followUp = undefined;
      turn += 1;
      const next = new Map<number, Candidate>();
      for (const [pid, candidate] of candidates) {
        const stat = readProcStat(procRoot, pid);
        if (stat === null || stat.state !== 'Z' || stat.ppid !== process.pid || registry.has(pid)) continue;
        if (stat.startTime !== candidate.stat.startTime) continue;
        consider(stat, next);
      }
      candidates = next;
      if (candidates.size > 0) scheduleFollowUp();
    });
  }

  // SIGCHLD bursts (many backends exiting) coalesce into one scan per loop turn.
  function queueScan(): void {
    if (scanQueued) return;
    scanQueued = true;
    setImmediate(() => {
      scanQueued = false;
      reapNow();
    });
  }

  async function drain(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (listChildren(procRoot, process.pid).every((s) => registry.has(s.pid))) return true;
      if (Date.now() >= deadline) return false;
      reapNow();
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  async function start(signal: AbortSignal): Promise<void> {
    if (signal.aborted) return;
    const isPid1 = process.pid === 1;
    if (!isPid1 && options.subreaper !== true) {
      log.debug({ pid: process.pid }, 'not PID 1 and no subreaper requested: orphan reaper idle');
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
      return;
    }
    if (!isPid1) osCalls().setChildSubreaper(true);
    process.on('SIGCHLD', queueScan);
    const timer = setInterval(queueScan, intervalMs);
    timer.unref(); // the safety timer alone must not keep the manager alive
    log.debug({ pid: process.pid, subreaper: !isPid1, intervalMs }, 'orphan reaper started');
    queueScan(); // orphans may predate us (e.g. after an exec-based online upgrade)
    await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    process.off('SIGCHLD', queueScan);
    clearInterval(timer);
    if (followUp !== undefined) clearImmediate(followUp);
    followUp = undefined;
    if (!isPid1) osCalls().setChildSubreaper(false);
    log.debug({ reaped: total }, 'orphan reaper stopped');
  }

  return { start, reapNow, drain, stats: () => ({ scans, reaped: total }) };
}
