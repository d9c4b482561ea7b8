// Status writes to the API: JSON merge patches of only the fields this pod owns. A patch that sets the
// phase carries the resourceVersion precondition (CNPG pkg/resources/status: RetryOnConflict) and is
// retried on 409 with a fresh version. Conditions sent with it (Ready, with the phase) are upserted into
// the list as last read: a merge patch replaces status.conditions whole, so the list is rebuilt from the
// fresh object on every retry, never re-sent stale. When the API server is unreachable the latest wanted status is
// kept and re-sent with capped, jittered backoff, so it converges once the API is back, without storms.
import { setTimeout as sleep } from 'node:timers/promises';
import { describeError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { isStatus, metaString, KubeApiError, type KubeObject } from './kube-api.js';
import { jittered } from './cluster-watch.js';
import { upsertCondition, type StatusCondition } from './permissions-condition.js';

type Condition = Omit<StatusCondition, 'lastTransitionTime'>;

export interface StatusWriterOptions {
  /** Sends one merge patch. */
  send: (patch: KubeObject) => Promise<KubeObject>;
  /** Reads the current object (for a fresh resourceVersion after a 409). */
  read: () => Promise<KubeObject>;
  /** The object last seen by the watch, if any (its resourceVersion and conditions). */
  known: () => KubeObject | undefined;
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
  #pendingConditions: Condition[] = [];
  #retrying: Promise<void> | undefined;
  #stopped = false;

  constructor(options: StatusWriterOptions) {
    this.#o = options;
  }

  /** Patches now; on an unreachable API keeps the patch for the background re-send and resolves. */
  async patch(patch: KubeObject, optimistic: boolean, conditions: Condition[] = []): Promise<void> {
    try {
      await this.#sendWithConflictRetry(patch, optimistic, conditions);
      this.#pending = undefined;
      this.#pendingConditions = [];
    } catch (err) {
      if (!(err instanceof KubeApiError) || !err.retryable) throw err;
      // Later patches win field by field (conditions by type), as they would have if sent in order.
      this.#pending = { ...this.#pending, ...patch };
      this.#pendingConditions = [...this.#pendingConditions.filter((c) => !conditions.some((n) => n.type === c.type)), ...conditions];
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

  async #sendWithConflictRetry(patch: KubeObject, optimistic: boolean, conditions: Condition[]): Promise<void> {
    let current = optimistic || conditions.length > 0 ? this.#o.known() : undefined;
    if (conditions.length > 0 && current === undefined) current = await this.#o.read();
    for (let step = 1; ; step++) {
      const version = optimistic && current ? metaString(current, 'resourceVersion') : undefined;
      const status = current ? withConditions(patch, current, conditions) : patch;
      const body = version === undefined ? { status } : { metadata: { resourceVersion: version }, status };
      try {
        await this.#o.send(body);
        return;
      } catch (err) {
        if (!isStatus(err, 409) || step >= CONFLICT_STEPS) throw err;
        await sleep(Math.round(CONFLICT_DELAY_MS * (1 + Math.random() * 0.1)));
        current = await this.#o.read();
      }
    }
  }

  async #retryLoop(): Promise<void> {
    let delay = 500;
    const max = this.#o.maxRetryMs ?? 5000;
    while (this.#pending && !this.#stopped) {
      await sleep(jittered(delay));
      const patch = this.#pending;
      const conditions = this.#pendingConditions;
      if (!patch || this.#stopped) return;
      try {
        await this.#sendWithConflictRetry(patch, true, conditions);
        if (this.#pending === patch) {
          this.#pending = undefined;
          this.#pendingConditions = [];
        }
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

/** `patch` with `conditions` upserted into the list of `current` (no conditions field when none changes). */
function withConditions(patch: KubeObject, current: KubeObject, conditions: Condition[]): KubeObject {
  let obj = current;
  let changed: Record<string, unknown>[] | undefined;
  const now = new Date();
  for (const c of conditions) {
    const list = upsertCondition(obj, c, now);
    if (list === undefined) continue;
    changed = list;
    obj = { ...obj, status: { ...(obj.status as Record<string, unknown> | undefined), conditions: list } };
  }
  return changed ? { ...patch, conditions: changed } : patch;
}
