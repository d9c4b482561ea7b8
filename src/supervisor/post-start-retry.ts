// Post-start work (bootstrap SQL, roles, passwords, status) talks to a server that has just started: a
// transient failure (a connection reset, a timeout under load) is retried twice before it counts, as long as
// postgres runs and no stop was asked.
import { setTimeout as sleep } from 'node:timers/promises';
import { describeError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { Postmaster } from './postmaster.js';

/** Runs `onReady` up to three times, one and then two seconds apart; rethrows the last failure. */
export async function postStartWithRetries(pm: Postmaster, onReady: (pm: Postmaster) => Promise<void>, log: Logger, stop: AbortSignal): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await onReady(pm);
      return;
    } catch (err) {
      if (attempt >= 3 || pm.hasExited() || stop.aborted) throw err;
      log.warn({ err: describeError(err), attempt }, 'post-start tasks failed; retrying');
      await sleep(attempt * 1000, undefined, { signal: stop }).catch(() => undefined);
    }
  }
}
