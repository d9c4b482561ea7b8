// The Cluster condition ContinuousArchiving, as CNPG's local webserver sets it after every archive attempt
// (pkg/management/postgres/webserver/local.go): True/ContinuousArchivingSuccess or False/ContinuousArchivingFailing
// with the error text, patched only when it changes.
import { describeError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { SpecSource } from '../source/spec-source.js';

export const CONTINUOUS_ARCHIVING = 'ContinuousArchiving';

/** Reports archive outcomes as the condition, sending a patch only when the condition changes. */
export class ArchivingCondition {
  #last: string | undefined;
  #sending: Promise<void> = Promise.resolve();
  readonly #source: SpecSource;
  readonly #log: Logger;

  constructor(source: SpecSource, log: Logger) {
    this.#source = source;
    this.#log = log;
  }

  /** Records one attempt: undefined for success, else the error text. Patches are sent in order, in the background. */
  report(error: string | undefined): void {
    const condition =
      error === undefined
        ? { type: CONTINUOUS_ARCHIVING, status: 'True', reason: 'ContinuousArchivingSuccess', message: 'Continuous archiving is working' }
        : { type: CONTINUOUS_ARCHIVING, status: 'False', reason: 'ContinuousArchivingFailing', message: error };
    const key = JSON.stringify(condition);
    if (key === this.#last) return;
    this.#last = key;
    if (error === undefined) this.#log.info('continuous archiving is working');
    else this.#log.error({ error }, 'continuous archiving is failing');
    this.#sending = this.#sending.then(() =>
      this.#source.patchStatus({ conditions: [condition] }).catch((err: unknown) => {
        this.#last = undefined; // sent again with the next attempt
        this.#log.warn({ err: describeError(err) }, 'could not write the ContinuousArchiving condition');
      }),
    );
  }

  /** Resolves once the patches sent so far are written. */
  flushed(): Promise<void> {
    return this.#sending;
  }
}
