// `instance status`: prints the local /pg/status, https first and http on a scheme mismatch (CNPG's CLI).
import { request as httpsRequest } from 'node:https';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import type { Config } from '../config/config.js';
import { EXIT } from '../config/constants.js';
import { ManagerError } from '../errors.js';
import { statusListenHost } from '../status/listen-host.js';

function get(scheme: 'https' | 'http', host: string, port: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const options = { host, port, path: '/pg/status', timeout: 30_000 };
    const onResponse = (res: IncomingMessage): void => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    };
    // The status certificate is for the Cluster's service names; a local status read checks nothing else.
    const req = scheme === 'https' ? httpsRequest({ ...options, rejectUnauthorized: false, minVersion: 'TLSv1.3' }, onResponse) : httpRequest(options, onResponse);
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

/** Prints the status JSON to stdout; a clear error when nothing listens. */
export async function instanceStatus(config: Config, write: (text: string) => void): Promise<number> {
  // Where `instance run` binds the status server (the first local listen address, or every address).
  const bound = statusListenHost(config);
  const host = bound === undefined || bound === '0.0.0.0' ? '127.0.0.1' : bound;
  let result;
  try {
    result = await get('https', host, config.statusPort);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ECONNREFUSED') {
      throw new ManagerError('INTERNAL', `nothing listens on the status port ${config.statusPort} of ${host} (is \`instance run\` running?)`);
    }
    // A plain-HTTP server answers a TLS ClientHello with garbage: retry over http.
    result = await get('http', host, config.statusPort);
  }
  write(`${result.body}\n`);
  return result.status === 200 ? EXIT.ok : EXIT.failure;
}
