// Watch streams of the test API server: newline-delimited {"type","object"} chunks, replay from a
// resourceVersion (410 ERROR when it is older than the compaction floor), bookmarks and timeoutSeconds.
import type { ServerResponse } from 'node:http';
import { typeKeyOf, type KubeStore, type ResourceType, type WatchEvent } from './kube-api-server-store.js';

export interface WatchOptions {
  type: ResourceType;
  namespace: string;
  fieldName?: string;
  resourceVersion?: string;
  bookmarks: boolean;
  bookmarkMs: number;
  timeoutSeconds: number;
}

/** Streams events to `res` until the timeout, the client going away, or the server dropping it. */
export function serveWatch(store: KubeStore, res: ServerResponse, o: WatchOptions): void {
  res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
  const write = (type: string, object: unknown): void => void res.write(`${JSON.stringify({ type, object })}\n`);
  const typeKey = typeKeyOf(o.type);
  const matches = (e: WatchEvent): boolean =>
    e.typeKey === typeKey && (o.namespace === '' || e.namespace === o.namespace) && (o.fieldName === undefined || e.name === o.fieldName);

  const rv = o.resourceVersion === undefined || o.resourceVersion === '' || o.resourceVersion === '0' ? undefined : Number(o.resourceVersion);
  if (rv !== undefined && (!Number.isFinite(rv) || rv < store.floor)) {
    write('ERROR', {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: `too old resource version: ${o.resourceVersion} (${store.floor})`,
      reason: 'Expired',
      code: 410,
    });
    res.end();
    return;
  }
  if (rv === undefined) {
    for (const obj of store.list(o.type, o.namespace, o.fieldName)) write('ADDED', obj);
  } else {
    for (const e of store.since(rv)) if (matches(e)) write(e.type, e.object);
  }
  const unsubscribe = store.subscribe((e) => {
    if (matches(e)) write(e.type, e.object);
  });
  const apiVersion = o.type.group === '' ? o.type.version : `${o.type.group}/${o.type.version}`;
  const bookmark = o.bookmarks
    ? setInterval(() => write('BOOKMARK', { kind: o.type.kind, apiVersion, metadata: { resourceVersion: String(store.resourceVersion) } }), o.bookmarkMs)
    : undefined;
  const timeout = setTimeout(() => res.end(), Math.max(1, o.timeoutSeconds) * 1000);
  // Clean up on the response's close: the request's 'close' fires as soon as its (empty) body is read.
  res.on('close', () => {
    unsubscribe();
    clearInterval(bookmark);
    clearTimeout(timeout);
  });
}
