// The reconnect loop every watch of the manager shares (a named Secret or ConfigMap, the namespace's
// Databases): one watch at a time from the last resourceVersion seen, back to the start ('' = read or list
// again) on 410 Gone, a short jittered pause after a watch that ended normally (the server's timeout), and
// jittered exponential backoff while it fails, with one warning when it starts failing and one line when it
// is back (client-go's reflector behaves the same way: tools/cache/reflector.go ListAndWatch).
import { setTimeout as sleep } from 'node:timers/promises';
import { describeError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { jittered } from './cluster-watch.js';
import { isStatus } from './kube-api.js';

export interface WatchLoopOptions {
  log: Logger;
  /** Log fields naming what is watched. */
  what: Record<string, unknown>;
  minBackoffMs: number;
  maxBackoffMs: number;
  /**
   * One watch from `version.current` ('' = start over: read or list first), which its events keep current;
   * resolves when the watch ends, `gone` when it ended with a 410 Gone event.
   */
  watchOnce: (version: { current: string }, signal: AbortSignal) => Promise<{ gone: boolean }>;
}

/** Runs watches until `signal` aborts. */
export async function watchLoop(o: WatchLoopOptions, signal: AbortSignal): Promise<void> {
  const version = { current: '' };
  let backoff = o.minBackoffMs;
  let failing = false;
  while (!signal.aborted) {
    try {
      const { gone } = await o.watchOnce(version, signal);
      if (failing) o.log.info(o.what, 'watch re-established');
      failing = false;
      backoff = o.minBackoffMs;
      // 410: start over from the current state (its version tells whether anything changed meanwhile).
      if (gone) version.current = '';
      else await sleep(jittered(o.minBackoffMs), undefined, { signal }).catch(() => undefined);
    } catch (err) {
      if (signal.aborted) return;
      if (isStatus(err, 410)) {
        version.current = '';
        continue;
      }
      if (!failing) o.log.warn({ ...o.what, err: describeError(err), retryInMs: backoff }, 'watch failed; retrying with backoff');
      else o.log.debug({ ...o.what, err: describeError(err) }, 'watch still failing');
      failing = true;
      await sleep(jittered(backoff), undefined, { signal }).catch(() => undefined);
      backoff = Math.min(o.maxBackoffMs, backoff * 2);
    }
  }
}
