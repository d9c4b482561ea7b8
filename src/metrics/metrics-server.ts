// The :9187 listener: plain HTTP, or TLS 1.3 with the server certificate and no client authentication
// (CNPG metricserver: `--metrics-port-tls`). The certificate is re-read and swapped into the live server
// when the instance's files change (rotation), without dropping the listener.
import { readFile } from 'node:fs/promises';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import { TRUST_NO_CA } from '../config/constants.js';
import { describeError } from '../errors.js';
import type { Logger } from '../log/logger.js';

export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export interface MetricsServerOptions {
  port: number;
  /** undefined: every address. */
  host?: string;
  tls?: { certFile: string; keyFile: string; version: () => string };
  scrape: () => Promise<string>;
  log: Logger;
  /** How often the TLS files' version is compared (ms). */
  tlsCheckMs?: number;
}

/** Serves /metrics until the signal aborts; a port in use is retried rather than fatal. */
export class MetricsServer {
  readonly #o: MetricsServerOptions;
  #address: { port: number } | undefined;

  constructor(options: MetricsServerOptions) {
    this.#o = options;
  }

  /** The bound port once listening (the configured one, or the kernel's pick for port 0). */
  port(): number | undefined {
    return this.#address?.port;
  }

  /** Listens, serves, and closes on abort. */
  async start(signal: AbortSignal): Promise<void> {
    const { log } = this.#o;
    const handler = (req: IncomingMessage, res: ServerResponse): void => void this.#handle(req, res);
    let server: Server | HttpsServer;
    let tlsVersion = '';
    if (this.#o.tls) {
      tlsVersion = this.#o.tls.version();
      server = createHttpsServer({ ...(await this.#readTls()), ca: TRUST_NO_CA, minVersion: 'TLSv1.3', requestCert: false }, handler);
    } else {
      server = createHttpServer(handler);
    }
    // CNPG: ReadHeaderTimeout 3 s, ReadTimeout 20 s.
    server.headersTimeout = 3_000;
    server.requestTimeout = 20_000;
    await this.#listen(server, signal);
    if (signal.aborted) return;
    log.info({ port: this.#address?.port, host: this.#o.host ?? '*', tls: Boolean(this.#o.tls) }, 'metrics server listening');
    const closed = new Promise<void>((resolve) => server.once('close', resolve));
    signal.addEventListener('abort', () => {
      server.close();
      server.closeAllConnections();
    }, { once: true });
    while (this.#o.tls && !signal.aborted) {
      try {
        await sleep(this.#o.tlsCheckMs ?? 1_000, undefined, { signal });
      } catch {
        break;
      }
      const version = this.#o.tls.version();
      if (version === tlsVersion) continue;
      try {
        (server as HttpsServer).setSecureContext({ ...(await this.#readTls()), ca: TRUST_NO_CA, minVersion: 'TLSv1.3' });
        tlsVersion = version;
        log.info('metrics server certificate reloaded');
      } catch (err) {
        log.error({ err: { message: describeError(err) } }, 'metrics server certificate reload failed; keeping the previous one');
        tlsVersion = version;
      }
    }
    await closed;
  }

  async #readTls(): Promise<{ cert: Buffer; key: Buffer }> {
    const tls = this.#o.tls;
    if (!tls) throw new Error('no TLS configured');
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- the server certificate files the manager writes
    const [cert, key] = await Promise.all([readFile(tls.certFile), readFile(tls.keyFile)]);
    return { cert, key };
  }

  async #listen(server: Server, signal: AbortSignal): Promise<void> {
    let warned = false;
    while (!signal.aborted) {
      try {
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen({ port: this.#o.port, host: this.#o.host }, () => {
            server.off('error', reject);
            resolve();
          });
        });
        const address = server.address();
        this.#address = typeof address === 'object' && address ? { port: address.port } : undefined;
        return;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== 'EADDRINUSE') throw err;
        if (!warned) this.#o.log.error({ port: this.#o.port, host: this.#o.host ?? '*' }, 'metrics port in use; retrying every 5 s');
        warned = true;
        await sleep(5_000, undefined, { signal }).catch(() => undefined);
      }
    }
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end('method not allowed\n');
      return;
    }
    try {
      const body = await this.#o.scrape();
      res.writeHead(200, { 'content-type': METRICS_CONTENT_TYPE, 'content-length': Buffer.byteLength(body) });
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch (err) {
      this.#o.log.error({ err: { message: describeError(err) } }, 'metrics scrape failed');
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('metrics collection failed\n');
    }
  }
}
