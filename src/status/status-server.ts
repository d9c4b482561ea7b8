// The status server on :8000 (CNPG webserver/remote.go): node:https with TLS 1.3 only and an optional client
// certificate. Every route is an express route (status-app.ts); a GET or HEAD of a probe is answered straight
// from the request handler first, because express costs the probes most of their throughput. scripts/bench/status,
// one run each (2 cores, busy host): /healthz 30,766 req/s = 0.78x a bare node:https with the fast path, 11,336 =
// 0.28x through express (target >= 0.6x). /pg/status is bound by its SQL round trip, not by routing (1,847 vs
// 1,854 req/s), so it goes through express.
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { Config } from '../config/config.js';
import { TRUST_NO_CA } from '../config/constants.js';
import type { Pool } from '../db/pool.js';
import { createProbePool } from '../db/probe-pool.js';
import { ManagerError } from '../errors.js';
import { child, type Logger } from '../log/logger.js';
import type { InstanceState } from '../model/instance-state.js';
import type { Cluster } from '../spec/cluster.js';
import { BackupMode } from './backup-mode.js';
import { statusListenHost } from './listen-host.js';
import type { createStatusApp, HotRoutes } from './status-app.js';
import { PgStatus } from './pg-status.js';
import { Probes, type IsolationCheck, type LifecycleView } from './probes.js';
import { sendError, sendFailure, sendText, withDeadline } from './respond.js';
import { ServerCertificate, STATUS_TLS_MIN_VERSION } from './server-certificate.js';

/** Deadlines: kubelet probes time out after 5 s by default; the operator waits 30 s for /pg/status. */
export const STATUS_DEADLINES = Object.freeze({ probeMs: 2000, statusMs: 5000, controlDataMs: 6000 });
/** CNPG: ReadHeaderTimeout 3 s, ReadTimeout 20 s. */
const HEADERS_TIMEOUT_MS = 3000;
const REQUEST_TIMEOUT_MS = 20_000;
const MAX_BODY_BYTES = 1 << 20;
const CERT_POLL_MS = 500;
// The fast path's routes, for GET and HEAD (node:http drops a HEAD answer's body); express routes them too.
const HOT_PATHS: ReadonlySet<string> = new Set(['/failsafe', '/healthz', '/readyz', '/startupz']);

export interface StatusServerOptions {
  config: Pick<Config, 'statusPort' | 'statusPortTls' | 'listenAddresses' | 'source' | 'pgData' | 'port' | 'controller'>;
  state: InstanceState;
  lifecycle: LifecycleView;
  cluster: () => Cluster | undefined;
  controlData: () => Promise<{ ok: boolean; text: string }>;
  root: Logger;
  isolationCheck?: IsolationCheck;
  /** The state of a Backup object (Kubernetes), for /pg/mode/backup's janitor. */
  backupObject?: (name: string) => Promise<'gone' | 'done' | 'present' | 'unknown'>;
  /** POST /pg/archive/partial's work (status-app.ts). */
  archivePartial?: () => Promise<string>;
}

/** Owns the :8000 listener, its certificate and its probe pool. */
export class StatusServer {
  readonly #o: StatusServerOptions;
  readonly #log: Logger;
  readonly #server: Server;
  readonly #tlsServer: HttpsServer | undefined;
  readonly #certificate: ServerCertificate;
  readonly #probes: Probes;
  readonly #status: PgStatus;
  readonly #hot: HotRoutes;
  // express is loaded on the first request the fast path does not answer (/pg/status, operator routes,
  // other methods, 404s): the kubelet's probes never need it, nor does a manager nobody asks for its status.
  #app: Promise<ReturnType<typeof createStatusApp>> | undefined;
  #pool: Pool | undefined;
  readonly #backupMode: BackupMode;

  constructor(options: StatusServerOptions) {
    this.#o = options;
    this.#log = child(options.root, 'status-server');
    const { config } = options;
    const target = { socketDir: config.controller.run, port: config.port };
    const pool = (): Pool => (this.#pool ??= createProbePool(target, this.#log, { timeoutMs: STATUS_DEADLINES.probeMs, statementTimeoutMs: STATUS_DEADLINES.statusMs }));
    this.#probes = new Probes({ lifecycle: options.lifecycle, cluster: options.cluster, target, pool, deadlineMs: STATUS_DEADLINES.probeMs, isolationCheck: options.isolationCheck });
    this.#status = new PgStatus({ state: options.state, lifecycle: options.lifecycle, pgData: config.pgData, pool, deadlineMs: STATUS_DEADLINES.statusMs });
    this.#hot = {
      liveness: () => this.#probes.liveness(),
      readiness: () => this.#probes.readiness(),
      startup: () => this.#probes.startup(),
      status: () => this.#status.get(),
      probeMs: STATUS_DEADLINES.probeMs,
      statusMs: STATUS_DEADLINES.statusMs,
    };
    // The backup session is its own connection, made only when the operator starts an online backup.
    this.#backupMode = new BackupMode({ open: () => import('../db/backup-session.js').then((m) => m.openBackupSession(target)), log: child(this.#log, 'backup-mode'), backupObject: options.backupObject });
    this.#certificate = new ServerCertificate(config.controller.certificates, this.#log);
    const handler = (req: IncomingMessage, res: ServerResponse): void => this.#handle(req, res);
    const common = { headersTimeout: HEADERS_TIMEOUT_MS, requestTimeout: REQUEST_TIMEOUT_MS, maxHeaderSize: 16 * 1024, connectionsCheckingInterval: 500 };
    // No certificate until the reconciler wrote one: handshakes fail with an alert, never a plaintext answer.
    this.#tlsServer = config.statusPortTls
      ? createHttpsServer({ ...common, minVersion: STATUS_TLS_MIN_VERSION, ca: TRUST_NO_CA, requestCert: true, rejectUnauthorized: false, handshakeTimeout: HEADERS_TIMEOUT_MS }, handler)
      : undefined;
    this.#server = this.#tlsServer ?? createHttpServer(common, handler);
    // No 'clientError' listener: node:http's own answers a header or URL over maxHeaderSize with 431, a
    // request that timed out with 408, anything it cannot parse with 400, each with `Connection: close`, and
    // destroys a socket it cannot answer (a failed TLS handshake, a reset).
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    if (Number(req.headers['content-length'] ?? 0) > MAX_BODY_BYTES) {
      res.setHeader('connection', 'close');
      sendError(res, 413, 'BODY_TOO_LARGE', 'request body too large');
      return;
    }
    if ((req.method === 'GET' || req.method === 'HEAD') && HOT_PATHS.has(path)) {
      this.#fast(path, res);
      return;
    }
    this.#statusApp().then(
      (app) => void app(req, res),
      (err: unknown) => sendFailure(res, err),
    );
  }

  // The probes without express: the same answers, deadlines and errors as its routes.
  #fast(path: string, res: ServerResponse): void {
    const hot = this.#hot;
    if (path === '/failsafe') sendText(res, 200, 'OK');
    else this.#text(res, path === '/healthz' ? hot.liveness() : path === '/readyz' ? hot.readiness() : hot.startup(), hot.probeMs);
  }

  /**
   * Ends the probe pool's sessions (a new pool is made on the next request): a smart shutdown waits for
   * every session, so an idle status connection would hold it until smartShutdownTimeout.
   */
  async closeConnections(): Promise<void> {
    const pool = this.#pool;
    this.#pool = undefined;
    await Promise.all([pool?.end().catch(() => undefined), this.#backupMode.close()]);
  }

  #statusApp(): Promise<ReturnType<typeof createStatusApp>> {
    const options = { hot: this.#hot, cluster: this.#o.cluster, controlData: this.#o.controlData, deadlineMs: STATUS_DEADLINES.controlDataMs, backupMode: () => this.#backupMode, archivePartial: this.#o.archivePartial };
    this.#app ??= import('./status-app.js').then((m) => m.createStatusApp(options));
    return this.#app;
  }

  // Every probe answer has its own deadline; this outer one is a backstop a little later.
  #text(res: ServerResponse, body: Promise<string>, deadlineMs: number): void {
    withDeadline(body, deadlineMs + 250, 'probe').then(
      (text) => sendText(res, 200, text),
      (err: unknown) => sendFailure(res, err),
    );
  }

  async #refreshCertificate(): Promise<void> {
    const loaded = await this.#certificate.check();
    if (!loaded || !this.#tlsServer) return;
    // Existing connections keep their session; new handshakes get the new certificate.
    this.#tlsServer.setSecureContext(loaded.context);
    this.#log.info({ subject: loaded.subject, notAfter: loaded.notAfter, fingerprint256: loaded.fingerprint256 }, 'status server certificate loaded');
  }

  /** Binds the port (resolving once listening) and serves until `signal` aborts. */
  async listen(signal: AbortSignal): Promise<void> {
    const host = statusListenHost(this.#o.config);
    const port = this.#o.config.statusPort;
    await this.#refreshCertificate().catch(() => undefined);
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', (err: NodeJS.ErrnoException) =>
        reject(new ManagerError('PORT_IN_USE', `status port ${port} on ${host ?? '*'}: ${err.code ?? err.message}`, { cause: err })),
      );
      this.#server.listen({ port, host, exclusive: true }, () => resolve());
    });
    this.#server.on('error', (err) => this.#log.error({ err: err.message }, 'status server error'));
    const poll = setInterval(() => void this.#refreshCertificate().catch((err: unknown) => this.#log.warn({ err: String(err) }, 'certificate refresh failed')), CERT_POLL_MS);
    poll.unref();
    this.#log.info({ port, host: host ?? '*', tls: this.#o.config.statusPortTls }, 'status server listening');
    const close = (): void => {
      clearInterval(poll);
      this.#server.close();
      this.#server.closeAllConnections();
      void this.#pool?.end().catch(() => undefined);
      void this.#backupMode.close();
    };
    if (signal.aborted) close();
    else signal.addEventListener('abort', close, { once: true });
  }
}
