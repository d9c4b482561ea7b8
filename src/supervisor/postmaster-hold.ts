// A hold on the postmaster: someone (a primary demoted in place) asks the lifecycle loop to stop postgres and to
// keep it stopped while PGDATA changes under it (pg_rewind, a re-clone, the replica's files), then lets the loop
// start it again. The loop owns the postmaster throughout: the holder never signals postgres itself, and a stop
// (SIGTERM) during the hold ends the loop with postgres down instead of starting it. CNPG has no such step: its
// instance manager exits after the demotion's fast stop and the kubelet restarts the container
// (internal/management/controller/instance_controller.go, reconcileOldPrimary).
import type { StopMode } from './stop.js';

/** Granted once postgres has stopped: call resume() to have the loop start it again. */
export interface Held {
  mode: StopMode;
  resume(): void;
}

/** The request side (hold) and the loop side (asked, grant, cancel) of one hold at a time. */
export class PostmasterHold {
  #asked: Promise<void>;
  #ask: () => void = () => undefined;
  #pending: ((held: Held | undefined) => void) | undefined;
  #closed = false;

  constructor() {
    this.#asked = this.#fresh();
  }

  #fresh(): Promise<void> {
    return new Promise<void>((resolve) => (this.#ask = resolve));
  }

  /** Asks for a hold; resolves once postgres has stopped, or undefined when the loop ended first. */
  request(): Promise<Held | undefined> {
    if (this.#closed) return Promise.resolve(undefined);
    if (this.#pending) return Promise.reject(new Error('a hold on the postmaster is already asked for'));
    return new Promise((resolve) => {
      this.#pending = resolve;
      this.#ask();
    });
  }

  /** Resolves when a hold is asked for (at once when one is pending). */
  asked(): Promise<void> {
    return this.#asked;
  }

  /**
   * The loop has stopped postgres for the pending hold: hands it over and waits for resume() or `stop`, calling
   * `beat` every second meanwhile. True when resumed (start postgres again), false when `stop` came first.
   */
  async grant(mode: StopMode, stop: AbortSignal, beat: () => void = () => undefined): Promise<boolean> {
    const answer = this.#pending;
    this.#pending = undefined;
    this.#asked = this.#fresh();
    let resume: () => void = () => undefined;
    const resumed = new Promise<boolean>((resolve) => (resume = () => resolve(!stop.aborted)));
    answer?.({ mode, resume });
    const heartbeat = setInterval(beat, 1000);
    heartbeat.unref();
    let onStop = (): void => undefined;
    const stopped = new Promise<boolean>((resolve) => {
      onStop = () => resolve(false);
      if (stop.aborted) onStop();
      stop.addEventListener('abort', onStop, { once: true });
    });
    try {
      return await Promise.race([resumed, stopped]);
    } finally {
      clearInterval(heartbeat);
      stop.removeEventListener('abort', onStop);
    }
  }

  /** The loop ended: a pending request, and any later one, gets undefined. */
  cancel(): void {
    this.#closed = true;
    this.#asked = this.#fresh();
    const answer = this.#pending;
    this.#pending = undefined;
    answer?.(undefined);
  }
}
