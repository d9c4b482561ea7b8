// One read of each Secret and ConfigMap per reconcile: the TLS files, the password files and the password
// reconcile all read the same few Secrets (the CA twice, as client and server CA; the app Secret three
// times), which against the API server was ~10 GETs per reconcile instead of one per Secret. A failed
// read is kept too: the reconcile fails once and is retried as a whole (follow-changes.ts).
import type { SpecSource } from '../source/spec-source.js';
import type { ConfigMapObject, SecretObject } from '../model/objects.js';

function memo<T>(cache: Map<string, Promise<T>>, name: string, read: () => Promise<T>): Promise<T> {
  let found = cache.get(name);
  if (!found) {
    found = read();
    cache.set(name, found);
  }
  return found;
}

/** `source` with getSecret/getConfigMap memoised by name; everything else passed through. Use one per reconcile. */
export function cachedReads(source: SpecSource): SpecSource {
  const secrets = new Map<string, Promise<SecretObject | undefined>>();
  const configMaps = new Map<string, Promise<ConfigMapObject | undefined>>();
  return {
    get description() {
      return source.description;
    },
    load: () => source.load(),
    watch: (signal, onInvalid) => source.watch(signal, onInvalid),
    getSecret: (name) => memo(secrets, name, () => source.getSecret(name)),
    getConfigMap: (name) => memo(configMaps, name, () => source.getConfigMap(name)),
    patchStatus: (patch) => source.patchStatus(patch),
  };
}
