// The supervisor loop: start (or adopt) the postmaster, wait until it is ready, run the post-start tasks,
// then wait for either a stop request (smart -> fast), a hold (stop, stay down until resumed, start again: a
// demotion in place) or an unexpected exit (exit 1 in a container, so the kubelet restarts the pod as with CNPG;
// restart in place with bounded backoff locally, where nothing else would).
// Before each start the WAL volume must have room for one WAL segment, as CNPG checks (exit 4 in a container;
// locally the start waits, with backoff, until space returns); a crash while a volume is full says so, and in
// restart mode does not count against maxFailedStarts.
import { setTimeout as sleep } from 'node:timers/promises';
import { ManagerError, describeError } from '../errors.js';
import { child, type Logger } from '../log/logger.js';
import type { ChildRegistry } from './child-registry.js';
import type { Postmaster, PostmasterExit } from './postmaster.js';
import { realPostmasterControl, type PostmasterControl } from './postmaster-control.js';
import { whileFenced, type FenceSwitch } from './fence-switch.js';
import { PostmasterHold, type Held } from './postmaster-hold.js';
import { postStartWithRetries } from './post-start-retry.js';
import { whileRunning } from './running-wait.js';
import { nextRestart, RESTART_BACKOFF, type BackoffPolicy } from './restart-backoff.js';
import { stopPostmaster, type StopBudget, type StopMode } from './stop.js';
import { describeSpace, shortOfSpace, type VolumeSpace } from './volume-space.js';
import { waitForWalSpace, walFullError, type WalSpaceGate } from './wal-space-gate.js';

export interface LifecycleOptions {
  pgBin: string;
  pgData: string;
  socketDir: string;
  registry: ChildRegistry;
  root: Logger;
  policy: 'restart' | 'exit';
  /** Variables added to postgres's environment (image-volume extensions' LD_LIBRARY_PATH and PATH). */
  extraEnv?: Readonly<Record<string, string>>;
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
  /** Consecutive failed starts tolerated in restart mode before giving up (a full volume does not count). */
  maxFailedStarts?: number;
  /** Called when a start is held back (no WAL space) before any postmaster was spawned. */
  onStartHeld?: () => void;
  /** How postmasters are started and watched; default the real one (tests pass a fake). */
  control?: PostmasterControl;
  /** Restart backoff; default RESTART_BACKOFF (restart-backoff.ts). */
  backoff?: BackoffPolicy;
  /** The Cluster's fencing of this instance (fence-switch.ts): postgres is kept down while it is on. */
  fencing?: FenceSwitch;
}

/** Where the loop is; the liveness probe bounds how long each phase may last. */
export type LifecyclePhase = 'starting' | 'post-start' | 'running' | 'stopping' | 'restarting' | 'stopped' | 'fenced';

/** Owns the postmaster. `run(stop)` resolves with the stop mode after a requested stop. */
export class Lifecycle {
  readonly #o: LifecycleOptions;
  readonly #log: Logger;
  readonly #control: PostmasterControl;
  readonly #backoff: BackoffPolicy;
  #pm: Postmaster | undefined;
  #ready = false;
  #lastTick = Date.now();
  #phase: LifecyclePhase = 'starting';
  #fenced = false;
  readonly #hold = new PostmasterHold();

  constructor(options: LifecycleOptions) {
    this.#o = options;
    this.#log = child(options.root, 'lifecycle');
    this.#control = options.control ?? realPostmasterControl({ ...options, log: this.#log });
    this.#backoff = options.backoff ?? RESTART_BACKOFF;
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

  /** True once fence() was called. */
  get fenced(): boolean {
    return this.#fenced;
  }

  /**
   * Stops postgres now and for good, outside the parts' ordered stop: a primary that lost the primary Lease
   * must not accept writes once another instance may take it (a few seconds), whatever the other parts are
   * still doing (a backup's status patches, a checkpoint). Fast shutdown, immediate after `fastMs`; the loop
   * then neither restarts postgres nor starts it again.
   */
  fence(fastMs = 1000): void {
    if (this.#fenced) return;
    this.#fenced = true;
    this.#ready = false;
    const pm = this.current();
    if (!pm) return;
    this.#enter('stopping');
    pm.signal('SIGINT');
    const immediate = setTimeout(() => {
      if (!pm.hasExited()) pm.signal('SIGQUIT');
    }, fastMs);
    immediate.unref();
    void pm.exited.then(() => clearTimeout(immediate));
  }

  /** Stops postgres and keeps it down until the answer's resume() (postmaster-hold.ts); undefined: the loop ended. */
  hold(): Promise<Held | undefined> {
    return this.#hold.request();
  }

  #walGate(): WalSpaceGate {
    return { control: this.#control, policy: this.#o.policy, log: this.#log, backoff: this.#backoff, onStartHeld: this.#o.onStartHeld, restarting: () => this.#enter('restarting') };
  }

  #enter(phase: LifecyclePhase): void {
    this.#phase = phase;
    this.#lastTick = Date.now();
  }

  async #stop(pm: Postmaster): Promise<StopMode> {
    this.#enter('stopping');
    const budget = this.#o.budget();
    const mode = await stopPostmaster(pm, {
      ...budget,
      log: this.#log,
      checkpoint: this.#ready && budget.checkpointFirst !== false ? this.#o.checkpoint : undefined,
      closeConnections: this.#o.closeConnections,
      clientSessions: this.#ready ? this.#o.clientSessions : undefined,
      hurry: this.#o.hurry,
    });
    this.#ready = false;
    this.#enter('stopped');
    this.#log.info({ mode }, 'postmaster stopped');
    return mode;
  }

  // Returns the volume that is short of space, if any: the likely cause (postgres PANICs when it cannot
  // write WAL) and a reason to keep retrying rather than give up.
  async #afterCrash(pm: Postmaster, exit: PostmasterExit): Promise<VolumeSpace | undefined> {
    this.#ready = false;
    this.#enter('restarting');
    await this.#o.closeConnections();
    const controldata = await this.#control.cleanUpAfterExit(pm);
    const full = shortOfSpace(await this.#control.volumeSpace());
    this.#log.error(
      { pid: pm.pid, exitCode: exit.exitCode, signal: exit.signal, controldata, ...(full ? { volumeFull: describeSpace(full) } : {}) },
      full ? `postmaster exited unexpectedly; the ${full.volume} volume is full` : 'postmaster exited unexpectedly',
    );
    return full;
  }

  /**
   * Runs until `stop` aborts (resolves) or the postmaster dies and the policy says exit (rejects). `handedOver`
   * is a postmaster a bootstrap step started and hands on, already ready: the first round takes it.
   */
  async run(stop: AbortSignal, handedOver?: Postmaster): Promise<StopMode> {
    return this.#loop(stop, handedOver).finally(() => this.#hold.cancel());
  }

  async #loop(stop: AbortSignal, handedOver?: Postmaster): Promise<StopMode> {
    let initial = handedOver;
    let failedStarts = 0;
    let failures = 0; // unexpected exits in a row, for the backoff
    for (;;) {
      if (stop.aborted) return 'smart';
      if (this.#fenced) return 'immediate';
      if (!initial && !(await whileFenced(this.#o.fencing, stop, this.#log, () => this.#enter('fenced')))) return 'smart';
      this.#enter('starting');
      // A live postmaster found in postmaster.pid is adopted whatever the space: it runs already.
      if (!initial && !(await this.#control.willAdopt()) && !(await waitForWalSpace(this.#walGate(), stop))) return 'smart';
      const pm = initial ?? (await this.#control.start());
      initial = undefined;
      this.#o.onSpawned?.(pm);
      this.#pm = pm;
      try {
        await this.#control.waitUntilReady(pm, this.#o.budget().startDelay * 1000, stop);
      } catch (err) {
        if (stop.aborted) return this.#stop(pm);
        const exit = pm.hasExited() ? await pm.exited : undefined;
        if (!exit) throw err;
        const full = await this.#afterCrash(pm, exit);
        if (this.#o.policy === 'exit') throw walFullError(full, err as Error);
        if (full === undefined) failedStarts++;
        if (failedStarts >= (this.#o.maxFailedStarts ?? 5)) throw err;
        ({ failures } = await this.#restart(failures, 0, stop));
        continue;
      }
      failedStarts = 0;
      this.#ready = true;
      const readyAt = Date.now();
      this.#enter('post-start');
      try {
        await postStartWithRetries(pm, this.#o.onReady, this.#log, stop);
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
      const outcome = await whileRunning(pm, stop, this.#hold.asked(), () => (this.#lastTick = Date.now()), this.#o.fencing?.whenOn());
      if (outcome.kind === 'stop') return this.#stop(pm);
      // Fenced: stopped (fast, then immediate: demotionBudget in role-wiring.ts); the next round waits for the unfence.
      if (outcome.kind === 'fence') {
        await this.#stop(pm);
        continue;
      }
      if (outcome.kind === 'hold') {
        const mode = await this.#stop(pm);
        this.#enter('restarting');
        // Beats while held, as while running: a rewind or a re-clone can outlast the liveness limit of a restart.
        if (!(await this.#hold.grant(mode, stop, () => (this.#lastTick = Date.now())))) return mode;
        continue;
      }
      if (this.#fenced) return 'immediate';
      const full = await this.#afterCrash(pm, outcome.exit);
      if (this.#o.policy === 'exit') {
        const exit = outcome.exit;
        throw walFullError(full, new ManagerError('POSTMASTER', `postmaster exited unexpectedly (${exit.signal ?? `exit code ${String(exit.exitCode)}`})`));
      }
      ({ failures } = await this.#restart(failures, Date.now() - readyAt, stop));
    }
  }

  async #restart(failures: number, servedMs: number, stop: AbortSignal): Promise<{ failures: number }> {
    const next = nextRestart(failures, servedMs, this.#backoff);
    // The wait actually taken (0 for the first restart in a row, or after a postmaster that served a while).
    this.#log.info({ backoffMs: next.delayMs, failuresInARow: next.failures }, 'restarting postmaster in place');
    if (next.delayMs > 0) await sleep(next.delayMs, undefined, { signal: stop }).catch(() => undefined);
    return { failures: next.failures };
  }
}
