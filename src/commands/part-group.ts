// The long-running parts of `instance run` (postmaster lifecycle, reaper, log pipes, spec-source watch,
// servers) share one shape, and one group starts and stops them (CNPG internal/cmd/manager/instance/run/cmd.go
// adds its runnables to one controller-runtime manager the same way). A part runs until its signal aborts and
// resolves once it has stopped; it calls `ready()` once it serves, and the next part starts only then. When
// the stop signal aborts, or a part fails (rejects, or ends without being asked to), the group stops every
// started part in `stopOrder` (lower first, equal ones together) and reports which part failed.
import { describeError } from '../errors.js';
import type { Logger } from '../log/logger.js';

export interface Part {
  readonly name: string;
  /** Parts stop in ascending order: the spec watch before the postmaster, the postmaster before the servers. */
  readonly stopOrder: number;
  /** The exit code of the manager when this part fails. */
  readonly exitCode: number;
  /** Runs until `signal` aborts; resolves once stopped. Calls `ready()` once the next part may start. */
  start(signal: AbortSignal, ready: () => void): Promise<void>;
}

export type GroupOutcome = { kind: 'stopped'; reason: unknown } | { kind: 'failed'; part: Part; error: unknown };

interface Running {
  part: Part;
  controller: AbortController;
  done: Promise<void>;
}

/** Starts parts one after another and stops them all, in a defined order, on a stop request or a failure. */
export class PartGroup {
  readonly #log: Logger;
  readonly #running: Running[] = [];
  readonly #steps = new Set<Promise<unknown>>();
  #outcome: GroupOutcome | undefined;
  #settle: (o: GroupOutcome) => void = () => undefined;
  readonly #ended: Promise<GroupOutcome>;
  #stopped: Promise<void> | undefined;

  constructor(log: Logger, stop: AbortSignal) {
    this.#log = log;
    this.#ended = new Promise((resolve) => (this.#settle = resolve));
    if (stop.aborted) this.#end({ kind: 'stopped', reason: stop.reason });
    else stop.addEventListener('abort', () => this.#end({ kind: 'stopped', reason: stop.reason }), { once: true });
  }

  /** True once a stop was asked or a part failed. */
  get ended(): boolean {
    return this.#outcome !== undefined;
  }

  /** Starts `part`; resolves once it is ready, or false when the group ended first (the part is then stopped). */
  async start(part: Part): Promise<boolean> {
    if (this.#outcome) return false;
    const controller = new AbortController();
    let onReady: () => void = () => undefined;
    const ready = new Promise<void>((resolve) => (onReady = resolve));
    const done = part.start(controller.signal, onReady).then(
      () => {
        if (!controller.signal.aborted) this.#end({ kind: 'failed', part, error: new Error(`${part.name} ended on its own`) });
      },
      (error: unknown) => {
        // A part that fails while being stopped is logged; the first failure decides the outcome.
        if (this.#outcome) this.#log.error({ part: part.name, err: describeError(error) }, 'part failed while stopping');
        else this.#end({ kind: 'failed', part, error });
      },
    );
    this.#running.push({ part, controller, done });
    await Promise.race([ready, this.#ended]);
    return this.#outcome === undefined;
  }

  /**
   * Runs a one-shot step (a bootstrap) while the parts started so far run. Its signal aborts when the group
   * ends, and the parts are stopped only once it has returned. Resolves undefined when the group ended
   * before it started or while it failed; a failure of the step ends the group with `exitCode`.
   */
  async during<T>(what: string, exitCode: number, step: (signal: AbortSignal) => Promise<T>): Promise<T | undefined> {
    if (this.#outcome) return undefined;
    const controller = new AbortController();
    void this.#ended.then(() => controller.abort(this.#outcome?.kind === 'stopped' ? this.#outcome.reason : 'stopping'));
    const running = step(controller.signal);
    this.#steps.add(running);
    try {
      return await running;
    } catch (error) {
      // Interrupted by the stop (or another part's failure): said once, not counted as its own failure.
      if (this.#outcome) {
        this.#log.warn({ step: what }, `${what} interrupted: ${describeError(error)}`);
        return undefined;
      }
      this.#end({ kind: 'failed', part: { name: what, stopOrder: -1, exitCode, start: () => Promise.resolve() }, error });
      return undefined;
    } finally {
      this.#steps.delete(running);
    }
  }

  /** Resolves once the group has ended and every started part has stopped. */
  async wait(): Promise<GroupOutcome> {
    const outcome = await this.#ended;
    await this.#stopped;
    return outcome;
  }

  #end(outcome: GroupOutcome): void {
    if (this.#outcome) return;
    this.#outcome = outcome;
    if (outcome.kind === 'failed') this.#log.error({ part: outcome.part.name, err: describeError(outcome.error) }, 'part failed: stopping the others');
    this.#stopped = this.#stopAll();
    this.#settle(outcome);
  }

  async #stopAll(): Promise<void> {
    // A step in flight (a bootstrap with its own postmaster) ends first: it still needs the log pipes and the reaper.
    await Promise.allSettled([...this.#steps]);
    const orders = [...new Set(this.#running.map((r) => r.part.stopOrder))].sort((a, b) => a - b);
    for (const order of orders) {
      const batch = this.#running.filter((r) => r.part.stopOrder === order);
      for (const r of batch) r.controller.abort('stopping');
      await Promise.all(batch.map((r) => r.done));
    }
  }
}
