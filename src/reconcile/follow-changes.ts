// Applies each new Cluster version from a source's watch() and retries a failed apply with capped backoff
// (1 s doubling to 30 s by default) until it succeeds or a newer version supersedes it. The sources only
// report versions; whether one is done is decided here, so a reconcile that failed on a brief API or file
// error (a Secret GET answered 503) is not forgotten until the next unrelated change. Both sources use it.
import type { Logger } from '../log/logger.js';
import type { Cluster } from '../spec/cluster.js';

export interface FollowChangesOptions {
  changes: AsyncIterable<Cluster>;
  /** Applies one version; resolves true when it was applied (the reconciler logs its own failure). */
  apply: (cluster: Cluster) => Promise<boolean>;
  log: Logger;
  /** The source's description, logged with each new version. */
  source: () => string;
  signal: AbortSignal;
  minRetryMs?: number;
  maxRetryMs?: number;
}

/** Runs until `changes` ends or `signal` aborts. */
export async function followChanges(o: FollowChangesOptions): Promise<void> {
  const min = o.minRetryMs ?? 1000;
  const max = o.maxRetryMs ?? 30_000;
  let latest: Cluster | undefined;
  let ended = false;
  let wake: (() => void) | undefined;
  const arrived = (): void => {
    wake?.();
    wake = undefined;
  };
  // The watch is read on its own, so a newer version interrupts the wait before a retry.
  const reading = (async () => {
    try {
      for await (const next of o.changes) {
        latest = next;
        arrived();
      }
    } finally {
      ended = true;
      arrived();
    }
  })();
  const onAbort = (): void => arrived();
  o.signal.addEventListener('abort', onAbort, { once: true });
  try {
    let failed: Cluster | undefined;
    let delay = min;
    while (!o.signal.aborted) {
      if (latest === undefined) {
        if (ended) break;
        // Waits for a new version, or the retry time of the failed one.
        const retryIn = failed ? delay : undefined;
        const due = await new Promise<boolean>((resolve) => {
          const timer = retryIn === undefined ? undefined : setTimeout(() => resolve(true), retryIn);
          wake = () => {
            clearTimeout(timer);
            resolve(false);
          };
        });
        wake = undefined;
        if (due && latest === undefined && failed) {
          latest = failed;
          delay = Math.min(max, delay * 2);
        }
        continue;
      }
      const cluster = latest;
      const retry = cluster === failed;
      latest = undefined;
      if (!retry) {
        delay = min;
        o.log.info({ source: o.source() }, 'Cluster changed');
      }
      if (await o.apply(cluster)) {
        if (retry) o.log.info('reconcile succeeded on retry');
        failed = undefined;
        continue;
      }
      failed = cluster;
      if (latest === undefined) o.log.warn({ retryInMs: delay }, 'reconcile will be retried');
    }
  } finally {
    o.signal.removeEventListener('abort', onAbort);
    await reading;
  }
}
