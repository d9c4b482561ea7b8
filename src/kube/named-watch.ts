// Follows one Secret or ConfigMap by name with a watch (fieldSelector metadata.name, allowed by a Role
// restricted to that name): the current version first, then every change, at the cost of one request per
// watch timeout (5 min) instead of a GET every few seconds. Resumes from the last version seen (bookmarks
// keep it fresh), starts over from the current object on 410 Gone, and reconnects with jittered backoff.
import type { Logger } from '../log/logger.js';
import { metaString, type KubeApi, type KubeObject, type NamedResource } from './kube-api.js';
import { watchLoop } from './watch-loop.js';

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
  const what = { resource: o.resource, name: o.name };
  await watchLoop(
    {
      log: o.log,
      what,
      minBackoffMs: o.minBackoffMs ?? 500,
      maxBackoffMs: o.maxBackoffMs ?? 30_000,
      watchOnce: async (version, stop) => {
        let gone = false;
        await o.api.watchNamed(
          o.resource,
          o.name,
          version.current,
          (type, object: KubeObject) => {
            if (type === 'ERROR') {
              if (object.kind === 'Status' && object.code === 410) gone = true;
              else o.log.warn({ ...what, status: object }, 'watch error event');
              return;
            }
            const rv = metaString(object, 'resourceVersion');
            if (rv !== undefined) version.current = rv;
            if (type === 'ADDED' || type === 'MODIFIED') o.onVersion(rv);
            if (type === 'DELETED') o.onVersion(undefined);
          },
          stop,
        );
        return { gone };
      },
    },
    signal,
  );
}
