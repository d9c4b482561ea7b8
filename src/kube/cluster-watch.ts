// Follows our one Cluster: list (fieldSelector metadata.name) then watch from the list's resourceVersion,
// resume from the last seen version (bookmarks keep it fresh), re-list on 410 Gone, and reconnect with
// jittered exponential backoff so a restarting API server is not hit by every pod at once.
import { setTimeout as sleep } from 'node:timers/promises';
import { describeError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { isStatus, metaString, type KubeApi, type KubeObject } from './kube-api.js';

export interface ClusterWatchOptions {
  api: KubeApi;
  name: string;
  log: Logger;
  /** Called with every version of the Cluster seen (list result, ADDED, MODIFIED). */
  onObject: (cluster: KubeObject) => void;
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

/** Backoff with full jitter: a random wait in [base/2, base]. */
export function jittered(baseMs: number): number {
  return Math.round(baseMs / 2 + Math.random() * (baseMs / 2));
}

function isGone(object: KubeObject): boolean {
  return object.kind === 'Status' && object.code === 410;
}

/** Runs until `signal` aborts. */
export async function watchCluster(o: ClusterWatchOptions, signal: AbortSignal): Promise<void> {
  const min = o.minBackoffMs ?? 500;
  const max = o.maxBackoffMs ?? 5000;
  let backoff = min;
  let resourceVersion = '';
  let failing = false;
  while (!signal.aborted) {
    try {
      if (resourceVersion === '') {
        const list = await o.api.listCluster(o.name);
        const found = list.items[0];
        if (found) o.onObject(found);
        else o.log.warn({ cluster: o.name }, 'our Cluster is not in the API any more; waiting for it');
        resourceVersion = list.resourceVersion;
      }
      let gone = false;
      await o.api.watchCluster(
        o.name,
        resourceVersion,
        (type, object) => {
          if (type === 'ERROR') {
            if (isGone(object)) gone = true;
            else o.log.warn({ status: object }, 'watch error event');
            return;
          }
          const rv = metaString(object, 'resourceVersion');
          if (rv !== undefined) resourceVersion = rv;
          if (type === 'ADDED' || type === 'MODIFIED') o.onObject(object);
          if (type === 'DELETED') o.log.warn({ cluster: o.name }, 'our Cluster was deleted');
        },
        signal,
      );
      if (failing) o.log.info({ cluster: o.name }, 'watch of our Cluster re-established');
      failing = false;
      backoff = min;
      if (gone) {
        o.log.info({ resourceVersion }, 'watch resourceVersion expired (410): re-listing');
        resourceVersion = '';
        continue;
      }
      // A normal end (server timeout): resume from the last version after a short pause.
      await sleep(jittered(min), undefined, { signal }).catch(() => undefined);
    } catch (err) {
      if (signal.aborted) return;
      if (isStatus(err, 410)) {
        resourceVersion = '';
        continue;
      }
      // Log the first failure of a streak at warn, the rest at debug: no log storm while the API is down.
      if (!failing) o.log.warn({ err: describeError(err), retryInMs: backoff }, 'watch of our Cluster failed; retrying with backoff');
      else o.log.debug({ err: describeError(err) }, 'watch of our Cluster still failing');
      failing = true;
      await sleep(jittered(backoff), undefined, { signal }).catch(() => undefined);
      backoff = Math.min(max, backoff * 2);
    }
  }
}
