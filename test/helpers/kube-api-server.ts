// An in-repo HTTPS stand-in for kube-apiserver on the paths the manager uses (no real one can run here):
// bearer tokens, RBAC with the real 403 text, discovery, get/list/watch/create/update/patch/delete, the
// status subresource, 409 on stale resourceVersions and 410 for watches from a compacted version.
// Every request lands in `audit`, so tests can assert exactly which calls were made and allowed; `faults`
// answers chosen requests with an error status for a while.
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { createCa, createServerCert } from '../../src/tls/generate.js';
import { KubeRbac, forbiddenMessage, type KubeUser, type RequestAttributes } from './kube-api-server-rbac.js';
import { KubeStore, RESOURCE_TYPES, StatusError, type ResourceType } from './kube-api-server-store.js';
import { discovery } from './kube-api-server-discovery.js';
import { serveWatch, type WatchOptions } from './kube-api-server-watch.js';
import { selfSubjectRulesReview } from './kube-api-server-review.js';
import { KubeFaults } from './kube-api-server-faults.js';

export interface AuditEntry extends RequestAttributes {
  user: string;
  code: number;
  /** The 403 message, when refused. */
  message?: string;
  /** The request body of a write (create, update, patch): tests assert what was written. */
  body?: unknown;
}

export interface TestApiServerOptions {
  /** How often a watch that asked for bookmarks gets one (real servers: about a minute). */
  bookmarkMs?: number;
}

// Go's strconv.ParseBool, which kube-apiserver uses for ?watch= (python sends "True").
const TRUE_WORDS = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);

/** Starts a test API server on 127.0.0.1 (a free port unless `port` is given). */
export async function startTestApiServer(options: TestApiServerOptions & { port?: number } = {}): Promise<TestApiServer> {
  const ca = await createCa({ commonName: 'test-kube-ca', days: 2 });
  const cert = await createServerCert({ commonName: 'kube-apiserver', ca, days: 2, dnsNames: ['localhost', 'kubernetes.default.svc'], ipAddresses: ['127.0.0.1'] });
  const server = new TestApiServer(ca.certPem, cert.certPem, cert.keyPem, options);
  await server.start(options.port ?? 0);
  return server;
}

/** The server, its store, its RBAC and its audit log. */
export class TestApiServer {
  readonly store = new KubeStore();
  readonly rbac = new KubeRbac();
  readonly audit: AuditEntry[] = [];
  /** Injected errors (`faults.add({ resource: 'secrets', verb: 'get', code: 503, forMs: 1500 })`). */
  readonly faults = new KubeFaults();
  readonly caPem: string;
  port = 0;
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  readonly #options: TestApiServerOptions;

  constructor(caPem: string, certPem: string, keyPem: string, options: TestApiServerOptions) {
    this.caPem = caPem;
    this.#options = options;
    this.#server = createServer({ cert: certPem, key: keyPem }, (req, res) => void this.#handle(req, res));
    // Every accepted socket, also one still in its TLS handshake: stop() must drop those too, or close() waits
    // for a watch opened on it to end (5 minutes).
    this.#server.on('connection', (s: Socket) => {
      this.#sockets.add(s);
      s.on('close', () => this.#sockets.delete(s));
    });
  }

  get url(): string {
    return `https://127.0.0.1:${this.port}`;
  }

  /** Listens (again, after stop(), on the same port). */
  start(port = this.port): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, '127.0.0.1', () => {
        const addr = this.#server.address();
        this.port = typeof addr === 'object' && addr ? addr.port : port;
        this.#server.off('error', reject);
        resolve();
      });
    });
  }

  /** Stops listening and drops every connection (watches included): the API server is down. */
  stop(): Promise<void> {
    return new Promise((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
      for (const s of this.#sockets) s.destroy();
    });
  }

  /** Ends every open connection (watches see their stream end) without stopping the server. */
  dropConnections(): void {
    for (const s of this.#sockets) s.destroy();
  }

  /** Audit entries that were refused with 403. */
  forbidden(): AuditEntry[] {
    return this.audit.filter((a) => a.code === 403);
  }

  #send(res: ServerResponse, code: number, body: unknown): void {
    res.writeHead(code, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  #status(res: ServerResponse, code: number, reason: string, message: string): void {
    this.#send(res, code, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code });
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://127.0.0.1');
    const auth = req.headers.authorization;
    const user = this.rbac.authenticate(auth?.startsWith('Bearer ') ? auth.slice(7) : undefined);
    if (!user) return this.#status(res, 401, 'Unauthorized', 'Unauthorized');
    const found = discovery(url.pathname, this.port);
    if (found !== undefined) return this.#send(res, 200, found);
    const body = await readBody(req);
    if (url.pathname === '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews' && req.method === 'POST') {
      this.audit.push({ user: user.username, verb: 'create', group: 'authorization.k8s.io', resource: 'selfsubjectrulesreviews', namespace: '', code: 201 });
      return this.#send(res, 201, selfSubjectRulesReview(this.rbac, user, body));
    }
    const route = parsePath(url.pathname);
    if (!route) return this.#status(res, 404, 'NotFound', 'the server could not find the requested resource');
    const watch = TRUE_WORDS.has(url.searchParams.get('watch') ?? '');
    const fieldSelector = url.searchParams.get('fieldSelector') ?? '';
    const fieldName = /^metadata\.name=([^,]+)$/.exec(fieldSelector)?.[1];
    const attrs: RequestAttributes = {
      verb: verbOf(req.method ?? 'GET', route.name, watch),
      group: route.type.group,
      resource: route.sub ? `${route.type.resource}/${route.sub}` : route.type.resource,
      namespace: route.namespace,
      ...(route.name ? { name: route.name } : {}),
      ...(fieldName ? { fieldName } : {}),
    };
    if (!this.rbac.allows(user, attrs)) {
      const message = forbiddenMessage(user, attrs);
      this.audit.push({ ...attrs, user: user.username, code: 403, message });
      return this.#status(res, 403, 'Forbidden', message);
    }
    const fault = this.faults.match(attrs);
    if (fault !== undefined) {
      this.audit.push({ ...attrs, user: user.username, code: fault });
      return this.#status(res, fault, fault === 503 ? 'ServiceUnavailable' : 'InternalError', 'injected fault: the server is currently unable to handle the request');
    }
    try {
      const [code, result] = this.#dispatch(req, res, url, route, attrs, body, user, fieldName);
      this.audit.push({ ...attrs, user: user.username, code, ...(body === undefined ? {} : { body }) });
      if (result !== undefined) this.#send(res, code, result);
    } catch (err) {
      const e = err instanceof StatusError ? err : new StatusError(500, 'InternalError', String(err));
      this.audit.push({ ...attrs, user: user.username, code: e.code, ...(body === undefined ? {} : { body }) });
      this.#status(res, e.code, e.reason, e.message);
    }
  }

  #dispatch(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    route: Route,
    attrs: RequestAttributes,
    body: unknown,
    _user: KubeUser,
    fieldName: string | undefined,
  ): [number, unknown] {
    const { type, namespace, name, sub } = route;
    const apiVersion = type.group === '' ? type.version : `${type.group}/${type.version}`;
    switch (attrs.verb) {
      case 'get':
        return [200, this.store.get(type, namespace, name ?? '')];
      case 'list':
        return [200, { kind: `${type.kind}List`, apiVersion, metadata: { resourceVersion: String(this.store.resourceVersion) }, items: this.store.list(type, namespace, fieldName) }];
      case 'watch': {
        const options: WatchOptions = {
          type,
          namespace,
          fieldName,
          resourceVersion: url.searchParams.get('resourceVersion') ?? undefined,
          bookmarks: TRUE_WORDS.has(url.searchParams.get('allowWatchBookmarks') ?? ''),
          bookmarkMs: this.#options.bookmarkMs ?? 1000,
          timeoutSeconds: Number(url.searchParams.get('timeoutSeconds') ?? '1800'),
        };
        serveWatch(this.store, res, options);
        return [200, undefined];
      }
      case 'create':
        return [201, this.store.create(type, namespace, asObject(body))];
      case 'update':
        return [200, this.store.write(type, namespace, name ?? '', sub, () => asObject(body))];
      case 'patch':
        return [200, this.store.patch(type, namespace, name ?? '', sub, req.headers['content-type'] ?? '', body)];
      case 'delete':
        return [200, this.store.delete(type, namespace, name ?? '')];
      default:
        throw new StatusError(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource`);
    }
  }
}

interface Route {
  type: ResourceType;
  namespace: string;
  name?: string;
  sub: string;
}

function parsePath(path: string): Route | undefined {
  // Anchored, with [^/] classes only: linear, whatever the input.
  // eslint-disable-next-line security/detect-unsafe-regex -- see above
  const m = /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))(?:\/namespaces\/([^/]+))?\/([^/]+)(?:\/([^/]+))?(?:\/([^/]+))?$/.exec(path);
  if (!m) return undefined;
  const [, coreVersion, group = '', groupVersion, namespace = '', resource, name, sub = ''] = m;
  const version = coreVersion ?? groupVersion;
  const type = RESOURCE_TYPES.find((t) => t.group === group && t.version === version && t.resource === resource);
  if (!type) return undefined;
  if (sub !== '' && !(sub === 'status' && type.status)) return undefined;
  return { type, namespace: decodeURIComponent(namespace), ...(name ? { name: decodeURIComponent(name) } : {}), sub };
}

function verbOf(method: string, name: string | undefined, watch: boolean): string {
  switch (method) {
    case 'GET':
      return name ? 'get' : watch ? 'watch' : 'list';
    case 'PATCH':
      return 'patch';
    case 'PUT':
      return 'update';
    case 'POST':
      return 'create';
    case 'DELETE':
      return name ? 'delete' : 'deletecollection';
    default:
      return method.toLowerCase();
  }
}

function asObject(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new StatusError(400, 'BadRequest', 'the request body must be an object');
  return body as Record<string, unknown>;
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
