// One reachability ping of a peer instance: HTTPS GET https://<ip>:<port>/failsafe (CNPG probes/pinger.go).
// The chain is verified against the server CA, not the name: server certificates name the services, never
// the pod IPs (CNPG certs.NewTLSConfigFromCertPool does the same). Any HTTP answer means "reachable".
import { request } from 'node:https';

export interface PingOptions {
  /** PEM of the server CA (certificates/server-ca.crt). */
  ca: string;
  /** Bound on the TCP connect (spec.probes.liveness.isolationCheck.connectionTimeout). */
  connectionTimeoutMs: number;
  /** Bound on the whole request (isolationCheck.requestTimeout). */
  requestTimeoutMs: number;
}

/** A ping function (injected in tests). */
export type Pinger = (ip: string, port: number, options: PingOptions) => Promise<void>;

/** Resolves once the peer answered anything over verified TLS 1.3; rejects with why it did not. */
export function pingFailsafe(ip: string, port: number, options: PingOptions): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let settled = false;
    const timers: NodeJS.Timeout[] = [];
    const finish = (err?: Error): void => {
      if (settled) return;
      settled = true;
      for (const t of timers) clearTimeout(t);
      if (err) reject(err);
      else resolve();
    };
    const req = request({
      host: ip,
      port,
      path: '/failsafe',
      method: 'GET',
      ca: options.ca,
      minVersion: 'TLSv1.3',
      checkServerIdentity: () => undefined,
      agent: false,
      headers: { connection: 'close' },
    });
    const fail = (message: string): void => {
      finish(new Error(message));
      req.destroy();
    };
    timers.push(setTimeout(() => fail(`no answer within ${options.requestTimeoutMs} ms`), options.requestTimeoutMs));
    req.once('socket', (socket) => {
      if (!socket.connecting) return;
      const connect = setTimeout(() => fail(`could not connect within ${options.connectionTimeoutMs} ms`), options.connectionTimeoutMs);
      timers.push(connect);
      socket.once('connect', () => clearTimeout(connect));
    });
    req.once('response', (res) => {
      res.resume();
      finish();
      req.destroy();
    });
    req.once('error', (err: NodeJS.ErrnoException) => finish(new Error(err.code && !err.message.includes(err.code) ? `${err.code}: ${err.message}` : err.message)));
    req.end();
  });
}
