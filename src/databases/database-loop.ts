// When the Database pass runs: on the primary only, once postgres is ready (everything is checked again after
// each start or promotion), whenever an object or the manifest changes, and every 30 s for what failed (CNPG
// requeues a Database every databaseReconciliationInterval, 30 s). One pass at a time.
import { setTimeout as sleep } from 'node:timers/promises';
import { describeError, ManifestError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { FileReadError } from '../source/read-bounded.js';
import type { DatabaseReconciler } from './database-reconciler.js';

/** CNPG database_controller.go databaseReconciliationInterval. */
export const DATABASE_RETRY_MS = 30_000;

export interface DatabaseLoopOptions {
  reconciler: Pick<DatabaseReconciler, 'pass'>;
  /** True while this instance is a ready primary. */
  primary: () => boolean;
  log: Logger;
  retryMs?: number;
}

/** Runs the passes until stopped; `nudge` asks for one soon. */
export class DatabaseLoop {
  readonly #o: DatabaseLoopOptions;
  #pending = true;
  #recheck = true;
  #wake: (() => void) | undefined;
  #failing = false;

  constructor(options: DatabaseLoopOptions) {
    this.#o = options;
  }

  /** Asks for a pass; `recheck`: postgres (re)started or was promoted, so applied objects are checked again. */
  nudge(recheck = false): void {
    this.#pending = true;
    this.#recheck ||= recheck;
    this.#wake?.();
  }

  async run(signal: AbortSignal): Promise<void> {
    const retryMs = this.#o.retryMs ?? DATABASE_RETRY_MS;
    while (!signal.aborted) {
      if (!this.#pending) {
        const woken = new Promise<void>((resolve) => (this.#wake = resolve));
        // The timer goes with the wait: one left running per wake would pile up.
        const waited = new AbortController();
        await Promise.race([woken, sleep(retryMs, undefined, { signal: AbortSignal.any([signal, waited.signal]) }).catch(() => undefined)]);
        waited.abort();
        this.#wake = undefined;
      }
      if (signal.aborted) return;
      this.#pending = false;
      if (!this.#o.primary()) continue;
      const recheck = this.#recheck;
      this.#recheck = false;
      try {
        await this.#o.reconciler.pass(recheck);
        if (this.#failing) this.#o.log.info('Database pass succeeded again');
        this.#failing = false;
      } catch (err) {
        // The manifest unreadable, postgres gone: said once per streak, retried at the next wake. A manifest the
        // spec source refuses is its error line to give (once per bad file): here a warning.
        if (!this.#failing) {
          const manifest = err instanceof ManifestError || err instanceof FileReadError;
          this.#o.log[manifest ? 'warn' : 'error']({ err: describeError(err) }, 'Database pass failed; retried in 30 s or at the next change');
        }
        this.#failing = true;
        this.#recheck ||= recheck;
      }
    }
  }
}
