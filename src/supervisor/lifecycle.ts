// The supervisor loop: start (or adopt) the postmaster, wait until it is ready, run the post-start tasks,
// then wait for either a stop request (smart -> fast) or an unexpected exit (exit 1 in a container, so the
// kubelet restarts the pod as with CNPG; restart in place with bounded backoff locally, where nothing else would).
import { setTimeout as sleep } from 'node:timers/promises';
import { ManagerError, describeError } from '../errors.js';
import { child, type Logger } from '../log/logger.js';
import type { ChildRegistry } from './child-registry.js';
import { readControlData, summarise } from './controldata.js';
import { cleanStalePidFile, inspectPidFile } from './pidfile.js';
import { adoptPostmaster, spawnPostmaster, waitGroupGone, waitUntilReady, type Postmaster, type PostmasterExit } from './postmaster.js';
import { stopPostmaster, type StopBudget, type StopMode } from './stop.js';

export interface LifecycleOptions {
  pgBin: string;
  pgData: string;
  socketDir: string;
  registry: ChildRegistry;
  root: Logger;
  policy: 'restart' | 'exit';
  /** Read at each use, so a changed Cluster's timeouts apply. */
  budget: () => StopBudget & { startDelay: number };
  /** Post-start work (bootstrap SQL, roles, passwords, status). A failure stops the manager. */
  onReady: (pm: Postmaster) => Promise<void>;
  /** Called as soon as a postmaster has been spawned or adopted, before it is ready. */
  onSpawned?: (pm: Postmaster) => void;
  checkpoint: (timeoutMs: number) => Promise<void>;
  closeConnections: () => Promise<void>;
  /** The client sessions a smart shutdown would wait for (see stop.ts). */
  clientSessions?: () => Promise<number>;
  /** Aborted on a second stop signal: a smart shutdown moves on to fast at once. */
  hurry?: AbortSignal;
  /** Consecutive failed starts tolerated in restart mode before giving up. */
  maxFailedStarts?: number;
}

const STABLE_AFTER_MS = 60_000;

/** Where the loop is; the liveness probe bounds how long each phase may last. */
export type LifecyclePhase = 'starting' | 'post-start' | 'running' | 'stopping' | 'restarting' | 'stopped';

/** Owns the postmaster. `run(stop)` resolves with the stop mode after a requested stop. */
export class Lifecycle {
  readonly #o: LifecycleOptions;
  readonly #log: Logger;
  #pm: Postmaster | undefined;
  #ready = false;
  #lastTick = Date.now();
  #phase: LifecyclePhase = 'starting';

  constructor(options: LifecycleOptions) {
    this.#o = options;
    this.#log = child(options.root, 'lifecycle');
  }

  /** The running postmaster, if any. */
  current(): Postmaster | undefined {
    return this.#pm && !this.#pm.hasExited() ? this.#pm : undefined;
  }

  /** True between "ready" and the postmaster's exit. */
  isReady(): boolean {
    return this.#ready && this.current() !== undefined;
  }

  /** When the loop last made progress (for a liveness check): a phase change, or a heartbeat while running. */
  lastTick(): number {
    return this.#lastTick;
  }

  /** The current phase (for a liveness check). */
  phase(): LifecyclePhase {
    return this.#phase;
  }

  #enter(phase: LifecyclePhase): void {
    this.#phase = phase;
    this.#lastTick = Date.now();
  }

  async #startOrAdopt(): Promise<Postmaster> {
    const state = await inspectPidFile(this.#o.pgData);
    if (state.kind === 'live') {
      this.#log.info({ pid: state.pid }, 'adopting the running postmaster');
      return adoptPostmaster(state.pid);
    }
    if (state.kind === 'stale') {
      this.#log.info({ pid: state.pid, reason: state.reason }, 'removing stale postmaster.pid');
      await cleanStalePidFile(this.#o.pgData, this.#o.socketDir);
    }
    const pm = await spawnPostmaster({ pgBin: this.#o.pgBin, pgData: this.#o.pgData, registry: this.#o.registry, root: this.#o.root });
    this.#log.info({ pid: pm.pid }, 'postmaster started');
    return pm;
  }

  async #stop(pm: Postmaster): Promise<StopMode> {
    this.#enter('stopping');
    const budget = this.#o.budget();
    const mode = await stopPostmaster(pm, {
      ...budget,
      log: this.#log,
      checkpoint: this.#ready ? this.#o.checkpoint : undefined,
      closeConnections: this.#o.closeConnections,
      clientSessions: this.#ready ? this.#o.clientSessions : undefined,
      hurry: this.#o.hurry,
    });
    this.#ready = false;
    this.#enter('stopped');
    this.#log.info({ mode }, 'postmaster stopped');
    return mode;
  }

  async #afterCrash(pm: Postmaster, exit: PostmasterExit): Promise<void> {
    this.#ready = false;
    this.#enter('restarting');
    await this.#o.closeConnections();
    // Backends of a dead postmaster keep the shared memory interlock busy: end them before anything else.
    if (!pm.adopted) {
      pm.signalGroup('SIGKILL');
      await waitGroupGone(pm.pid, 5000);
    }
    const control = await readControlData(this.#o.pgBin, this.#o.pgData, this.#o.registry);
    this.#log.error(
      { pid: pm.pid, exitCode: exit.exitCode, signal: exit.signal, controldata: control.ok ? summarise(control.text) : control.text },
      'postmaster exited unexpectedly',
    );
  }

  // Post-start work talks to a server that has just started: a transient failure (a connection reset, a
  // timeout under load) is retried twice before it counts, as long as postgres runs and no stop was asked.
  async #postStart(pm: Postmaster, stop: AbortSignal): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.#o.onReady(pm);
        return;
      } catch (err) {
        if (attempt >= 3 || pm.hasExited() || stop.aborted) throw err;
        this.#log.warn({ err: describeError(err), attempt }, 'post-start tasks failed; retrying');
        await sleep(attempt * 1000, undefined, { signal: stop }).catch(() => undefined);
      }
    }
  }

  /** Runs until `stop` aborts (resolves) or the postmaster dies and the policy says exit (rejects). */
  async run(stop: AbortSignal): Promise<StopMode> {
    let failedStarts = 0;
    let backoffMs = 0;
    for (;;) {
      if (stop.aborted) return 'smart';
      this.#enter('starting');
      const pm = await this.#startOrAdopt();
      this.#o.onSpawned?.(pm);
      this.#pm = pm;
      const startedAt = Date.now();
      try {
        await waitUntilReady(pm, this.#o.pgData, this.#o.budget().startDelay * 1000, stop);
      } catch (err) {
        if (stop.aborted) return this.#stop(pm);
        const exit = pm.hasExited() ? await pm.exited : undefined;
        if (!exit) throw err;
        failedStarts++;
        await this.#afterCrash(pm, exit);
        if (this.#o.policy === 'exit' || failedStarts >= (this.#o.maxFailedStarts ?? 5)) throw err;
        backoffMs = Math.min(Math.max(backoffMs * 2, 100), 10_000);
        await sleep(backoffMs, undefined, { signal: stop }).catch(() => undefined);
        continue;
      }
      failedStarts = 0;
      this.#ready = true;
      this.#enter('post-start');
      try {
        await this.#postStart(pm, stop);
      } catch (err) {
        if (stop.aborted) return this.#stop(pm);
        if (!pm.hasExited()) {
          this.#log.error({ err: describeError(err) }, 'post-start tasks failed: stopping postgres');
          await this.#stop(pm);
          throw err;
        }
        // The postmaster died under the post-start tasks: handled below as a crash.
      }
      this.#enter('running');
      // While idle the loop beats, so a stale tick in this phase means the event loop itself is stuck.
      const heartbeat = setInterval(() => (this.#lastTick = Date.now()), 1000);
      heartbeat.unref();
      let onStop = (): void => undefined;
      const outcome = await Promise.race([
        pm.exited.then((exit) => ({ kind: 'exit' as const, exit })),
        new Promise<{ kind: 'stop' }>((resolve) => {
          onStop = () => resolve({ kind: 'stop' });
          if (stop.aborted) onStop();
          stop.addEventListener('abort', onStop, { once: true });
        }),
      ]).finally(() => {
        clearInterval(heartbeat);
        // Not left on `stop` after a crash: each restart in place would add one more.
        stop.removeEventListener('abort', onStop);
      });
      if (outcome.kind === 'stop') return this.#stop(pm);
      await this.#afterCrash(pm, outcome.exit);
      if (this.#o.policy === 'exit') {
        throw new ManagerError('POSTMASTER', `postmaster exited unexpectedly (${outcome.exit.signal ?? `exit code ${String(outcome.exit.exitCode)}`})`);
      }
      backoffMs = Date.now() - startedAt > STABLE_AFTER_MS ? 0 : Math.min(backoffMs === 0 ? 0 : backoffMs * 2, 10_000);
      if (backoffMs > 0) await sleep(backoffMs, undefined, { signal: stop }).catch(() => undefined);
      backoffMs = Math.max(backoffMs, 100);
      this.#log.info({ backoffMs }, 'restarting postmaster in place');
    }
  }
}
