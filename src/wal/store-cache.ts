// The resolved store settings and the in-process client (S3 or Azure), kept while the Cluster object stays the
// same (a new Cluster version, or a change of a Secret it references, gives a new object and so fresh credentials).
import { caBundleEnv } from '../barman/endpoint-ca.js';
import type { Cluster } from '../spec/cluster.js';
import type { SpecSource } from '../source/spec-source.js';
import { createAzureStore } from './azure-store.js';
import { createS3Store } from './s3-store.js';
import type { ObjectStore } from './store-client.js';
import { storeSettings, type StoreSettings } from './store-settings.js';

export interface ActiveStore {
  settings: StoreSettings;
  /** The in-process client; undefined when barman-cloud's tools do the work (Azure DefaultAzureCredential). */
  client?: ObjectStore;
}

/** True when the Azure SDK would send https requests through a proxy (its variables, upper or lower case). */
export function proxyConfigured(env: Readonly<Record<string, string | undefined>>): boolean {
  return ['HTTPS_PROXY', 'ALL_PROXY', 'HTTP_PROXY'].some((n) => Boolean(env[n] ?? env[n.toLowerCase()])); // eslint-disable-line security/detect-object-injection -- fixed names
}

/** Caches the active store per Cluster object. */
export class StoreCache {
  #for: Cluster | undefined;
  #active: Promise<ActiveStore | undefined> | undefined;
  readonly #source: SpecSource;
  readonly #caDir: string | undefined;

  /** `caDir`: where endpointCA's PEM is written for the barman-cloud tools (the run folder). */
  constructor(source: SpecSource, caDir?: string) {
    this.#source = source;
    this.#caDir = caDir;
  }

  /** The store of `cluster`, or undefined when it has none. */
  async get(cluster: Cluster): Promise<ActiveStore | undefined> {
    if (this.#for !== cluster || !this.#active) {
      const previous = this.#active;
      this.#for = cluster;
      this.#active = this.#resolve(cluster);
      // A failed resolution (a missing Secret) is retried on the next call.
      this.#active.catch(() => (this.#for = undefined));
      void previous?.then((p) => p?.client?.close(), () => undefined);
    }
    return this.#active;
  }

  /** Closes the client. */
  async close(): Promise<void> {
    const active = await this.#active?.catch(() => undefined);
    active?.client?.close();
  }

  async #resolve(cluster: Cluster): Promise<ActiveStore | undefined> {
    const settings = await storeSettings(cluster, this.#source);
    if (!settings) return undefined;
    // The tools read the CA from a file named by a variable (the in-process client takes settings.ca itself).
    if (settings.ca && this.#caDir) settings.env = { ...settings.env, ...(await caBundleEnv(settings.ca, settings.store.provider, this.#caDir)) };
    // The in-process Azure client takes endpointCA (azure-store.ts), except through a proxy: the SDK's proxy
    // agent drops its TLS settings (ts-http-runtime proxyPolicy.ts setProxyAgentOnRequest). Such a store goes
    // through barman's tools, which get the CA (REQUESTS_CA_BUNDLE above), instead of failing on TLS.
    if (settings.store.provider === 'azure' && settings.ca && proxyConfigured(process.env)) return { settings };
    const client = settings.store.provider === 's3' ? await createS3Store(settings) : await createAzureStore(settings);
    return client ? { settings, client } : { settings };
  }
}
