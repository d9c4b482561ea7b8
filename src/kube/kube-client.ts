// KubeApi over @kubernetes/client-node 1.x, the only place that imports it, and lazily: the embedded
// default never loads it (about 20 MB of heap). Traps handled here: merge patches need an explicit
// Content-Type middleware (a `headers` option is silently ignored and 1.x sends json-patch), error bodies
// the OpenAPI spec does not list arrive as raw strings, and every call gets a timeout.
import type * as K8s from '@kubernetes/client-node';
import type * as Rx from '@kubernetes/client-node/dist/gen/rxjsStub.js';
import type { ConfigMapObject, SecretObject } from '../model/objects.js';
import { KubeApiError, type EventSpec, type KubeApi, type KubeObject, type NamedResource, type PolicyRule, type WatchEventType } from './kube-api.js';
import { TokenFile, type InClusterSettings } from './service-account.js';
import type { LeaseApi } from './lease-api.js';
import { leaseCalls } from './lease-client.js';

const GROUP = 'postgresql.cnpg.io';
const VERSION = 'v1';
const AUTH_PROVIDER = 'pgim-token-file';

export interface KubeClientOptions {
  /** Timeout of one non-watch call (a slow API server must not stall the reconcile loop). */
  requestTimeoutMs?: number;
  /** How long the server keeps a watch open before we re-establish it. */
  watchTimeoutSeconds?: number;
}

/** Loads client-node and builds the KubeApi for the in-cluster settings. */
export async function createKubeApi(settings: InClusterSettings, options: KubeClientOptions = {}): Promise<KubeApi> {
  const k8s = await import('@kubernetes/client-node');
  const { of } = await import('@kubernetes/client-node/dist/gen/rxjsStub.js');
  const token = new TokenFile(settings.tokenFile);
  token.current();
  const kc = new k8s.KubeConfig();
  // Our own token authenticator: client-node's file auth caches for 60 s, so a revoked old token would fail calls.
  const authenticator = {
    isAuthProvider: (user: K8s.User): boolean => (user.authProvider as { name?: string } | undefined)?.name === AUTH_PROVIDER,
    applyAuthentication: (_user: K8s.User, opts: { headers?: Record<string, unknown> }): Promise<void> => {
      opts.headers = { ...opts.headers, Authorization: `Bearer ${token.current()}` };
      return Promise.resolve();
    },
  };
  kc.addAuthenticator(authenticator);
  kc.loadFromClusterAndUser(
    { name: 'in-cluster', server: settings.server, caFile: settings.caFile, skipTLSVerify: false },
    { name: 'service-account', authProvider: { name: AUTH_PROVIDER, config: {} } },
  );
  return new ClientNodeApi(k8s, of, kc, settings.namespace, options);
}

function detail(err: unknown): { status: number; message: string } {
  const e = err as { code?: unknown; statusCode?: unknown; body?: unknown; message?: unknown };
  const status = typeof e.code === 'number' ? e.code : typeof e.statusCode === 'number' ? e.statusCode : 0;
  let body: unknown = e.body;
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body) as unknown;
    } catch {
      // not JSON: keep the text
    }
  }
  const fromBody = typeof body === 'object' && body !== null ? (body as { message?: unknown }).message : body;
  const message = typeof fromBody === 'string' && fromBody !== '' ? fromBody : typeof e.message === 'string' ? e.message.split('\n')[0] ?? '' : String(err);
  return { status, message };
}

class ClientNodeApi implements KubeApi {
  readonly namespace: string;
  readonly #k8s: typeof K8s;
  readonly #kc: K8s.KubeConfig;
  readonly #custom: K8s.CustomObjectsApi;
  readonly #core: K8s.CoreV1Api;
  readonly #authz: K8s.AuthorizationV1Api;
  readonly #timeoutMs: number;
  readonly #watchTimeoutSeconds: number;
  readonly #of: typeof Rx.of;
  readonly leases: LeaseApi;

  constructor(k8s: typeof K8s, of: typeof Rx.of, kc: K8s.KubeConfig, namespace: string, options: KubeClientOptions) {
    this.#k8s = k8s;
    this.#of = of;
    this.#kc = kc;
    this.namespace = namespace;
    this.#custom = kc.makeApiClient(k8s.CustomObjectsApi);
    this.#core = kc.makeApiClient(k8s.CoreV1Api);
    this.#authz = kc.makeApiClient(k8s.AuthorizationV1Api);
    this.#timeoutMs = options.requestTimeoutMs ?? 5000;
    this.#watchTimeoutSeconds = options.watchTimeoutSeconds ?? 300;
    this.leases = leaseCalls(kc.makeApiClient(k8s.CoordinationV1Api), { namespace, options: () => this.#options(), call: (call, run) => this.#call(call, run) });
  }

  // A per-call timeout, and the patch Content-Type, set in one promise middleware: the generated API has no
  // timeout option and picks json-patch for every patch unless the header is replaced before sending.
  // The object-parameter API takes observable middleware; `of` is the client's own rxjs stub.
  #options(contentType?: string, timeoutMs = this.#timeoutMs): K8s.ConfigurationOptions {
    const of = this.#of;
    const middleware = {
      pre: (ctx: K8s.RequestContext) => {
        ctx.setSignal(AbortSignal.timeout(timeoutMs));
        if (contentType) ctx.setHeaderParam('Content-Type', contentType);
        return of(ctx);
      },
      post: (res: K8s.ResponseContext) => of(res),
    };
    return { middleware: [middleware], middlewareMergeStrategy: 'append' };
  }

  async #call<T>(call: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      const { status, message } = detail(err);
      throw new KubeApiError(call, status, message, { cause: err });
    }
  }

  #crd(plural: string, name: string): { group: string; version: string; namespace: string; plural: string; name: string } {
    return { group: GROUP, version: VERSION, namespace: this.namespace, plural, name };
  }

  getCluster(name: string, options: { timeoutMs?: number } = {}): Promise<KubeObject> {
    const opts = this.#options(undefined, options.timeoutMs);
    return this.#call(`get clusters.${GROUP} "${name}"`, async () => (await this.#custom.getNamespacedCustomObject(this.#crd('clusters', name), opts)) as KubeObject);
  }

  listCluster(name: string): Promise<{ items: KubeObject[]; resourceVersion: string }> {
    return this.#call(`list clusters.${GROUP} (metadata.name=${name})`, async () => {
      const list = (await this.#custom.listNamespacedCustomObject(
        { group: GROUP, version: VERSION, namespace: this.namespace, plural: 'clusters', fieldSelector: `metadata.name=${name}` },
        this.#options(),
      )) as { items?: KubeObject[]; metadata?: { resourceVersion?: string } };
      return { items: list.items ?? [], resourceVersion: list.metadata?.resourceVersion ?? '' };
    });
  }

  watchCluster(name: string, resourceVersion: string, onEvent: (type: WatchEventType, object: KubeObject) => void, signal: AbortSignal): Promise<void> {
    const path = `/apis/${GROUP}/${VERSION}/namespaces/${encodeURIComponent(this.namespace)}/clusters`;
    return this.#watch(path, `watch clusters.${GROUP} (metadata.name=${name})`, name, resourceVersion, onEvent, signal);
  }

  listDatabases(): Promise<{ items: KubeObject[]; resourceVersion: string }> {
    return this.#call(`list databases.${GROUP}`, async () => {
      const list = (await this.#custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: this.namespace, plural: 'databases' }, this.#options())) as {
        items?: KubeObject[];
        metadata?: { resourceVersion?: string };
      };
      return { items: list.items ?? [], resourceVersion: list.metadata?.resourceVersion ?? '' };
    });
  }

  watchDatabases(resourceVersion: string, onEvent: (type: WatchEventType, object: KubeObject) => void, signal: AbortSignal): Promise<void> {
    const path = `/apis/${GROUP}/${VERSION}/namespaces/${encodeURIComponent(this.namespace)}/databases`;
    return this.#watch(path, `watch databases.${GROUP}`, undefined, resourceVersion, onEvent, signal);
  }

  patchDatabaseStatus(name: string, patch: KubeObject): Promise<KubeObject> {
    return this.#call(`patch databases.${GROUP}/status "${name}"`, async () =>
      (await this.#custom.patchNamespacedCustomObjectStatus({ ...this.#crd('databases', name), body: patch }, this.#options(this.#k8s.PatchStrategy.MergePatch))) as KubeObject,
    );
  }

  watchNamed(resource: NamedResource, name: string, resourceVersion: string, onEvent: (type: WatchEventType, object: KubeObject) => void, signal: AbortSignal): Promise<void> {
    const path = `/api/v1/namespaces/${encodeURIComponent(this.namespace)}/${resource}`;
    return this.#watch(path, `watch ${resource} (metadata.name=${name})`, name, resourceVersion, onEvent, signal);
  }

  async #watch(path: string, call: string, name: string | undefined, resourceVersion: string, onEvent: (type: WatchEventType, object: KubeObject) => void, signal: AbortSignal): Promise<void> {
    // No resourceVersion at all rather than an empty one: "unset" is what starts with the current object.
    const query = { ...(name === undefined ? {} : { fieldSelector: `metadata.name=${name}` }), ...(resourceVersion === '' ? {} : { resourceVersion }), allowWatchBookmarks: true, timeoutSeconds: this.#watchTimeoutSeconds };
    await new Promise<void>((resolve, reject) => {
      const done = (err: unknown): void => {
        signal.removeEventListener('abort', abort);
        if (err && !signal.aborted) reject(new KubeApiError(call, detail(err).status, detail(err).message, { cause: err }));
        else resolve();
      };
      let controller: AbortController | undefined;
      const abort = (): void => controller?.abort();
      signal.addEventListener('abort', abort, { once: true });
      new this.#k8s.Watch(this.#kc)
        .watch(path, query, (type: string, object: KubeObject) => onEvent(type as WatchEventType, object), done)
        .then((c) => {
          controller = c;
          if (signal.aborted) c.abort();
        }, done);
    });
  }

  patchClusterStatus(name: string, patch: KubeObject): Promise<KubeObject> {
    return this.#call(`patch clusters.${GROUP}/status "${name}"`, async () =>
      (await this.#custom.patchNamespacedCustomObjectStatus({ ...this.#crd('clusters', name), body: patch }, this.#options(this.#k8s.PatchStrategy.MergePatch))) as KubeObject,
    );
  }

  getBackup(name: string): Promise<KubeObject> {
    return this.#call(`get backups.${GROUP} "${name}"`, async () => (await this.#custom.getNamespacedCustomObject(this.#crd('backups', name), this.#options())) as KubeObject);
  }

  patchBackupStatus(name: string, patch: KubeObject): Promise<KubeObject> {
    return this.#call(`patch backups.${GROUP}/status "${name}"`, async () =>
      (await this.#custom.patchNamespacedCustomObjectStatus({ ...this.#crd('backups', name), body: patch }, this.#options(this.#k8s.PatchStrategy.MergePatch))) as KubeObject,
    );
  }

  async getSecret(name: string): Promise<SecretObject | undefined> {
    const secret = await this.#optional(`get secrets "${name}"`, () => this.#core.readNamespacedSecret({ name, namespace: this.namespace }, this.#options()));
    if (!secret) return undefined;
    const data: Record<string, Buffer> = {};
    for (const [k, v] of Object.entries(secret.data ?? {})) data[k] = Buffer.from(v, 'base64'); // eslint-disable-line security/detect-object-injection -- copying a decoded map
    return { name, data, resourceVersion: secret.metadata?.resourceVersion ?? '', annotations: secret.metadata?.annotations ?? {} };
  }

  async serviceAccountExists(name: string): Promise<boolean> {
    const sa = await this.#optional(`get serviceaccounts "${name}"`, () => this.#core.readNamespacedServiceAccount({ name, namespace: this.namespace }, this.#options()));
    return sa !== undefined;
  }

  async getConfigMap(name: string): Promise<ConfigMapObject | undefined> {
    const cm = await this.#optional(`get configmaps "${name}"`, () => this.#core.readNamespacedConfigMap({ name, namespace: this.namespace }, this.#options()));
    if (!cm) return undefined;
    return { name, data: cm.data ?? {}, resourceVersion: cm.metadata?.resourceVersion ?? '' };
  }

  async #optional<T>(call: string, run: () => Promise<T>): Promise<T | undefined> {
    try {
      return await this.#call(call, run);
    } catch (err) {
      if (err instanceof KubeApiError && err.status === 404) return undefined;
      throw err;
    }
  }

  async createEvent(e: EventSpec): Promise<void> {
    const now = new Date();
    await this.#call(`create events (${e.reason})`, () =>
      this.#core.createNamespacedEvent(
        {
          namespace: this.namespace,
          body: {
            metadata: { generateName: `${e.name}.`, namespace: this.namespace },
            involvedObject: { kind: e.kind, apiVersion: e.apiVersion, name: e.name, namespace: this.namespace, ...(e.uid ? { uid: e.uid } : {}) },
            type: e.type,
            reason: e.reason,
            message: e.message,
            source: { component: 'instance-manager' },
            firstTimestamp: now,
            lastTimestamp: now,
            count: 1,
          },
        },
        this.#options(),
      ),
    );
  }

  rulesReview(namespace: string): Promise<PolicyRule[]> {
    return this.#call('create selfsubjectrulesreviews.authorization.k8s.io', async () => {
      const review = await this.#authz.createSelfSubjectRulesReview({ body: { spec: { namespace } } }, this.#options());
      return (review.status?.resourceRules ?? []).map((r) => ({
        apiGroups: r.apiGroups ?? [],
        resources: r.resources ?? [],
        verbs: r.verbs,
        ...(r.resourceNames ? { resourceNames: r.resourceNames } : {}),
      }));
    });
  }
}
