// Status writes to the API: JSON merge patches of only the fields this pod owns. A patch that sets the
// phase carries the resourceVersion precondition (CNPG pkg/resources/status: RetryOnConflict) and is
// retried on 409 with a fresh version. When the API server is unreachable the latest wanted status is
// kept and re-sent with capped, jittered backoff, so it converges once the API is back, without storms.
import { setTimeout as sleep } from 'node:timers/promises';
import { describeError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { isStatus, metaString, KubeApiError, type KubeObject } from './kube-api.js';
import { jittered } from './cluster-watch.js';

export interface StatusWriterOptions {
  /** Sends one merge patch. */
  send: (patch: KubeObject) => Promise<KubeObject>;
  /** Reads the current object (for a fresh resourceVersion after a 409). */
  read: () => Promise<KubeObject>;
  /** The resourceVersion last seen by the watch, if any. */
  knownVersion: () => string | undefined;
  log: Logger;
  /** Delay cap between re-sends while the API is unreachable (convergence bound after it returns). */
  maxRetryMs?: number;
}

// client-go's retry.DefaultRetry: 5 steps, 10 ms, factor 1, jitter 0.1.
const CONFLICT_STEPS = 5;
const CONFLICT_DELAY_MS = 10;

/** Sends merge patches with conflict retries, and re-sends the pending one while the API is down. */
export class StatusWriter {
  readonly #o: StatusWriterOptions;
  #pending: KubeObject | undefined;
  #retrying: Promise<void> | undefined;
  #stopped = false;

  constructor(options: StatusWriterOptions) {
    this.#o = options;
  }

  /** Patches now; on an unreachable API keeps the patch for the background re-send and resolves. */
  async patch(patch: KubeObject, optimistic: boolean): Promise<void> {
    try {
      await this.#sendWithConflictRetry(patch, optimistic);
      this.#pending = undefined;
    } catch (err) {
      if (!(err instanceof KubeApiError) || !err.retryable) throw err;
      // Later patches win field by field, as they would have if they had been sent in order.
      this.#pending = { ...this.#pending, ...patch };
      if (!this.#retrying) {
        this.#o.log.warn({ err: describeError(err) }, 'status patch failed; it will be re-sent when the API server answers');
        this.#retrying = this.#retryLoop().finally(() => (this.#retrying = undefined));
      }
    }
  }

  /**
   * Patches a status built from the current object, under its resourceVersion. A merge patch replaces a list
   * (status.conditions) whole, so on a 409 the list is rebuilt from a fresh read, never re-sent stale.
   * `build` returning undefined means nothing to change. Not queued when the API is down: the caller decides.
   */
  async patchComputed(build: (current: KubeObject) => KubeObject | undefined, current?: KubeObject): Promise<void> {
    let obj = current ?? (await this.#o.read());
    for (let step = 1; ; step++) {
      const status = build(obj);
      if (status === undefined) return;
      const version = metaString(obj, 'resourceVersion');
      try {
        await this.#o.send(version === undefined ? { status } : { metadata: { resourceVersion: version }, status });
        return;
      } catch (err) {
        if (!isStatus(err, 409) || step >= CONFLICT_STEPS) throw err;
        await sleep(Math.round(CONFLICT_DELAY_MS * (1 + Math.random() * 0.1)));
        obj = await this.#o.read();
      }
    }
  }

  /** Stops the background re-send. */
  stop(): void {
    this.#stopped = true;
  }

  async #sendWithConflictRetry(patch: KubeObject, optimistic: boolean): Promise<void> {
    let version = optimistic ? this.#o.knownVersion() : undefined;
    for (let step = 1; ; step++) {
      const body = version === undefined ? { status: patch } : { metadata: { resourceVersion: version }, status: patch };
      try {
        await this.#o.send(body);
        return;
      } catch (err) {
        if (!isStatus(err, 409) || step >= CONFLICT_STEPS) throw err;
        await sleep(Math.round(CONFLICT_DELAY_MS * (1 + Math.random() * 0.1)));
        version = metaString(await this.#o.read(), 'resourceVersion');
      }
    }
  }

  async #retryLoop(): Promise<void> {
    let delay = 500;
    const max = this.#o.maxRetryMs ?? 5000;
    while (this.#pending && !this.#stopped) {
      await sleep(jittered(delay));
      const patch = this.#pending;
      if (!patch || this.#stopped) return;
      try {
        await this.#sendWithConflictRetry(patch, true);
        if (this.#pending === patch) this.#pending = undefined;
        this.#o.log.info('pending status patch applied');
      } catch (err) {
        if (err instanceof KubeApiError && !err.retryable) {
          this.#o.log.error({ err: describeError(err) }, 'pending status patch refused; dropped');
          this.#pending = undefined;
          return;
        }
        delay = Math.min(max, delay * 2);
      }
    }
  }
}
