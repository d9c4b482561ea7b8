// The namespace's Database objects from the Kubernetes API: list, then watch from the list's version
// (bookmarks keep it fresh), re-list on 410 Gone, reconnect with jittered backoff (watch-loop.ts), and
// status written as a merge patch of the status subresource. Without a finalizer (the Role grants no update
// of Databases) a deletion is seen as the watch's DELETED event, which carries the object as last seen: one
// deleted while no manager watched is not reclaimed (docs/databases.md).
import type { Logger } from '../log/logger.js';
import type { DatabaseObjectJson, DatabaseSource, DatabaseStatusPatch } from '../source/database-source.js';
import { isStatus, metaString, type KubeApi, type KubeObject } from './kube-api.js';
import { watchLoop } from './watch-loop.js';

export interface KubeDatabaseSourceOptions {
  api: () => Promise<KubeApi>;
  log: Logger;
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

/** DatabaseSource over the API: objects cached by the list+watch that follow() runs. */
export class KubeDatabaseSource implements DatabaseSource {
  readonly description = 'kube:databases';
  readonly refusesForeign = false;
  readonly #o: KubeDatabaseSourceOptions;
  readonly #objects = new Map<string, KubeObject>();
  readonly #deleted = new Map<string, KubeObject>();
  #listed = false;

  constructor(options: KubeDatabaseSourceOptions) {
    this.#o = options;
  }

  list(): Promise<DatabaseObjectJson[] | undefined> {
    return Promise.resolve(this.#listed ? [...this.#objects.values()] : undefined);
  }

  deleted(): Promise<DatabaseObjectJson[]> {
    return Promise.resolve([...this.#deleted.values()]);
  }

  forget(object: DatabaseObjectJson): Promise<void> {
    const name = metaString(object, 'name');
    if (name !== undefined) this.#deleted.delete(name);
    return Promise.resolve();
  }

  async patchStatus(object: DatabaseObjectJson, patch: DatabaseStatusPatch): Promise<void> {
    const name = metaString(object, 'name');
    if (name === undefined) return;
    try {
      await (await this.#o.api()).patchDatabaseStatus(name, { status: patch });
    } catch (err) {
      // Deleted meanwhile: its DELETED event follows.
      if (!isStatus(err, 404)) throw err;
    }
  }

  #replaceAll(items: KubeObject[]): void {
    const fresh = new Map(items.flatMap((o) => (metaString(o, 'name') === undefined ? [] : [[metaString(o, 'name') ?? '', o] as const])));
    // Gone between two lists (a 410 re-list): deleted while the watch was away.
    for (const [name, old] of this.#objects) if (!fresh.has(name)) this.#deleted.set(name, old);
    this.#objects.clear();
    for (const [name, o] of fresh) this.#objects.set(name, o);
  }

  /** Runs the list+watch until `signal` aborts. */
  async follow(signal: AbortSignal, onChange: () => void): Promise<void> {
    await watchLoop(
      {
        log: this.#o.log,
        what: { resource: 'databases' },
        minBackoffMs: this.#o.minBackoffMs ?? 500,
        maxBackoffMs: this.#o.maxBackoffMs ?? 5000,
        watchOnce: async (version, stop) => {
          const api = await this.#o.api();
          if (version.current === '') {
            const list = await api.listDatabases();
            this.#replaceAll(list.items);
            version.current = list.resourceVersion;
            this.#listed = true;
            onChange();
          }
          let gone = false;
          await api.watchDatabases(
            version.current,
            (type, object) => {
              if (type === 'ERROR') {
                if (object.kind === 'Status' && object.code === 410) gone = true;
                else this.#o.log.warn({ status: object }, 'Database watch error event');
                return;
              }
              const rv = metaString(object, 'resourceVersion');
              if (rv !== undefined) version.current = rv;
              const name = metaString(object, 'name');
              if (name === undefined || type === 'BOOKMARK') return;
              if (type === 'DELETED') {
                this.#objects.delete(name);
                this.#deleted.set(name, object);
              } else this.#objects.set(name, object);
              onChange();
            },
            stop,
          );
          return { gone };
        },
      },
      signal,
    );
  }
}
