// Fencing (CNPG's `cnpg.io/fencedInstances` annotation, internal/management/controller/instance_controller.go
// reconcileFencing): while this instance is fenced the lifecycle loop keeps postgres down (a running one is stopped
// fast, then immediately), and the manager, its probes and its servers stay up; unfenced, the loop starts postgres
// again. Fenced at the manager's start, postgres is never started. The loop waits on a promise here, so a fenced
// manager sleeps (CNPG's spun at 100% CPU while fenced, cloudnative-pg#4623), and an unfence always starts
// postgres again (CNPG could be left unable to unfence after a failed attempt, cloudnative-pg#4433).
import type { Logger } from '../log/logger.js';

/** The fencing state the Cluster's annotation sets and the lifecycle loop reads. */
export class FenceSwitch {
  #on = false;
  #toOn: (() => void)[] = [];
  #toOff: (() => void)[] = [];

  /** Whether this instance is fenced now. */
  get on(): boolean {
    return this.#on;
  }

  /** Sets the state from the newest Cluster version; the waiters of the new state are released. */
  set(on: boolean): void {
    if (on === this.#on) return;
    this.#on = on;
    const released = on ? this.#toOn : this.#toOff;
    if (on) this.#toOn = [];
    else this.#toOff = [];
    for (const release of released) release();
  }

  /** Resolves once fenced (at once when fenced already). */
  whenOn(): Promise<void> {
    return this.#on ? Promise.resolve() : new Promise((resolve) => this.#toOn.push(resolve));
  }

  /** Resolves true once unfenced (at once when not fenced), false when `stop` aborts first. */
  whenOff(stop: AbortSignal): Promise<boolean> {
    if (!this.#on) return Promise.resolve(true);
    if (stop.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const onStop = (): void => resolve(false);
      stop.addEventListener('abort', onStop, { once: true });
      this.#toOff.push(() => {
        stop.removeEventListener('abort', onStop);
        resolve(true);
      });
    });
  }
}

/**
 * Keeps postgres down while `fencing` is on: `beat` (the liveness probe's tick) at once and every second; true
 * once unfenced (or never fenced), false when `stop` came first.
 */
export async function whileFenced(fencing: FenceSwitch | undefined, stop: AbortSignal, log: Logger, beat: () => void): Promise<boolean> {
  if (!fencing?.on) return true;
  beat();
  log.info('fenced (cnpg.io/fencedInstances): postgres stays down until the instance is unfenced');
  const heartbeat = setInterval(beat, 1000);
  heartbeat.unref();
  try {
    if (!(await fencing.whenOff(stop))) return false;
  } finally {
    clearInterval(heartbeat);
  }
  log.info('unfenced: starting postgres');
  return true;
}
