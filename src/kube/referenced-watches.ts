// The watches of the Secrets and ConfigMaps a Cluster references, one per object by name (named-watch.ts),
// kept in step with the Cluster (a renamed reference stops one watch and starts another). Each object's
// watched version is compared with the version the last reconcile read, so a change that lands between
// that read and the watch's first event is a change, not the starting point.
import type { Logger } from '../log/logger.js';
import type { Cluster } from '../spec/cluster.js';
import type { KubeApi, NamedResource } from './kube-api.js';
import { watchNamed } from './named-watch.js';
import { referencedConfigMaps, referencedSecrets } from './rbac-rules.js';

export interface ReferencedWatchesOptions {
  api: KubeApi;
  log: Logger;
  /** The version last read of "secrets/<name>" or "configmaps/<name>" ('-': absent), if it was read. */
  readVersion: (key: string) => string | undefined;
  /** Called when a watched version differs from the one known. */
  onChange: () => void;
}

/** One watch per referenced object, until `signal` aborts. */
export class ReferencedWatches {
  readonly #o: ReferencedWatchesOptions;
  readonly #signal: AbortSignal;
  readonly #versions = new Map<string, string>();
  readonly #watchers = new Map<string, { stop: AbortController; done: Promise<void> }>();

  constructor(options: ReferencedWatchesOptions, signal: AbortSignal) {
    this.#o = options;
    this.#signal = signal;
  }

  /** Starts the watches `cluster` needs and stops the others. */
  follow(cluster: Cluster): void {
    const wanted = new Map<string, [NamedResource, string]>();
    for (const n of referencedSecrets(cluster)) wanted.set(`secrets/${n}`, ['secrets', n]);
    for (const n of referencedConfigMaps(cluster)) wanted.set(`configmaps/${n}`, ['configmaps', n]);
    for (const [key, w] of this.#watchers) {
      if (wanted.has(key)) continue;
      w.stop.abort();
      this.#watchers.delete(key);
      this.#versions.delete(key);
    }
    for (const [key, [resource, name]] of wanted) {
      if (this.#watchers.has(key)) continue;
      const read = this.#o.readVersion(key);
      if (read !== undefined) this.#versions.set(key, read);
      const onVersion = (rv: string | undefined): void => {
        const seen = this.#versions.get(key);
        this.#versions.set(key, rv ?? '-');
        // Never read and first seen: that is the starting point.
        if (seen !== undefined && seen !== (rv ?? '-')) this.#o.onChange();
      };
      const stop = new AbortController();
      const done = watchNamed({ api: this.#o.api, resource, name, log: this.#o.log, onVersion }, AbortSignal.any([this.#signal, stop.signal]));
      this.#watchers.set(key, { stop, done });
    }
  }

  /** The watched versions, as one comparable string. */
  fingerprint(): string {
    return JSON.stringify([...this.#versions.entries()].sort(([a], [b]) => (a < b ? -1 : 1)));
  }

  /** Resolves once every watch has stopped (after the signal aborted). */
  async done(): Promise<void> {
    await Promise.allSettled([...this.#watchers.values()].map((w) => w.done));
  }
}
