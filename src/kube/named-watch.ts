// Follows one Secret or ConfigMap by name with a watch (fieldSelector metadata.name, allowed by a Role
// restricted to that name): the current version first, then every change, at the cost of one request per
// watch timeout (5 min) instead of a GET every few seconds. Resumes from the last version seen (bookmarks
// keep it fresh), starts over from the current object on 410 Gone, and reconnects with jittered backoff.
import { setTimeout as sleep } from 'node:timers/promises';
import { describeError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { jittered } from './cluster-watch.js';
import { isStatus, metaString, type KubeApi, type KubeObject, type NamedResource } from './kube-api.js';

export interface NamedWatchOptions {
  api: KubeApi;
  resource: NamedResource;
  name: string;
  log: Logger;
  /** The object's resourceVersion whenever it is seen (undefined once deleted). */
  onVersion: (resourceVersion: string | undefined) => void;
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

/** Runs until `signal` aborts. */
export async function watchNamed(o: NamedWatchOptions, signal: AbortSignal): Promise<void> {
  const min = o.minBackoffMs ?? 500;
  const max = o.maxBackoffMs ?? 30_000;
  const what = { resource: o.resource, name: o.name };
  let backoff = min;
  let resourceVersion = '';
  let failing = false;
  while (!signal.aborted) {
    try {
      let gone = false;
      await o.api.watchNamed(
        o.resource,
        o.name,
        resourceVersion,
        (type, object: KubeObject) => {
          if (type === 'ERROR') {
            if (object.kind === 'Status' && object.code === 410) gone = true;
            else o.log.warn({ ...what, status: object }, 'watch error event');
            return;
          }
          const rv = metaString(object, 'resourceVersion');
          if (rv !== undefined) resourceVersion = rv;
          if (type === 'ADDED' || type === 'MODIFIED') o.onVersion(rv);
          if (type === 'DELETED') o.onVersion(undefined);
        },
        signal,
      );
      if (failing) o.log.info(what, 'watch re-established');
      failing = false;
      backoff = min;
      // 410: start over from the current object (its version tells whether anything changed meanwhile).
      if (gone) resourceVersion = '';
      else await sleep(jittered(min), undefined, { signal }).catch(() => undefined);
    } catch (err) {
      if (signal.aborted) return;
      if (isStatus(err, 410)) {
        resourceVersion = '';
        continue;
      }
      if (!failing) o.log.warn({ ...what, err: describeError(err), retryInMs: backoff }, 'watch failed; retrying with backoff');
      else o.log.debug({ ...what, err: describeError(err) }, 'watch still failing');
      failing = true;
      await sleep(jittered(backoff), undefined, { signal }).catch(() => undefined);
      backoff = Math.min(max, backoff * 2);
    }
  }
}
