// HTTPS client for the status server tests: one request with chosen TLS settings, returning the status, the
// body and the certificate the server presented.
import { request, type Agent } from 'node:https';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';

export interface StatusResponse {
  status: number;
  body: string;
  contentType: string;
  /** SHA-256 fingerprint of the server certificate of this connection. */
  serverFingerprint: string;
  ms: number;
}

export interface StatusRequest {
  port: number;
  path: string;
  method?: string;
  ca?: string;
  cert?: string;
  key?: string;
  minVersion?: 'TLSv1.2' | 'TLSv1.3';
  maxVersion?: 'TLSv1.2' | 'TLSv1.3';
  agent?: Agent | false;
  body?: string;
  timeoutMs?: number;
}

/** One HTTPS request to 127.0.0.1 (the certificate names `localhost`). */
export function statusRequest(r: StatusRequest): Promise<StatusResponse> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        servername: 'localhost',
        port: r.port,
        path: r.path,
        method: r.method ?? 'GET',
        ca: r.ca,
        cert: r.cert,
        key: r.key,
        rejectUnauthorized: r.ca !== undefined,
        minVersion: r.minVersion,
        maxVersion: r.maxVersion,
        agent: r.agent ?? false,
        timeout: r.timeoutMs ?? 15_000,
      },
      (res) => {
        const socket = res.socket as TLSSocket;
        const serverFingerprint = socket.getPeerCertificate().fingerprint256;
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, contentType: String(res.headers['content-type'] ?? ''), serverFingerprint, ms: Date.now() - started }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer from ${r.path} within ${r.timeoutMs ?? 15_000} ms`)));
    req.on('error', reject);
    req.end(r.body);
  });
}

/** Polls until `pred` holds for a response (or throws after `timeoutMs`); errors count as "not yet". */
export async function waitForStatus(r: StatusRequest, pred: (res: StatusResponse) => boolean, timeoutMs: number, what: string): Promise<StatusResponse> {
  const deadline = Date.now() + timeoutMs;
  let last = 'nothing yet';
  for (;;) {
    try {
      const res = await statusRequest(r);
      if (pred(res)) return res;
      last = `${res.status} ${res.body.slice(0, 200)}`;
    } catch (err) {
      last = (err as Error).message;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last: ${last}`);
    await new Promise((res) => setTimeout(res, 100));
  }
}

export type FieldType = 'string' | 'boolean' | 'number' | 'object' | 'array' | 'number|null';
export interface FieldSpec {
  type: FieldType;
  omitempty: boolean;
}

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  return Array.isArray(v) ? 'array' : typeof v;
}

/** Fields /pg/status adds to CNPG's PostgresqlStatus (Go's decoder ignores unknown fields): volume space. */
export const OWN_STATUS_FIELDS: Record<string, FieldSpec> = { volumes: { type: 'array', omitempty: false } };

/** Every key of `obj` is in `fields` with the right type, and every non-omitempty field is present. */
export function checkFields(obj: Record<string, unknown>, fields: Record<string, FieldSpec>, where: string): string[] {
  const problems: string[] = [];
  const known = new Map(Object.entries(fields));
  for (const [key, value] of Object.entries(obj)) {
    const spec = known.get(key);
    if (!spec) problems.push(`${where}: unexpected field ${key}`);
    else if (!spec.type.split('|').includes(typeOf(value))) problems.push(`${where}.${key}: ${typeOf(value)} is not ${spec.type}`);
  }
  for (const [key, spec] of Object.entries(fields)) {
    if (!spec.omitempty && !(key in obj)) problems.push(`${where}: missing field ${key}`);
  }
  return problems;
}

/** The `{ error: { code, message } }` envelope of an error body. */
export function errorOf(body: string): { code: string; message: string } {
  const parsed = JSON.parse(body) as { error?: { code?: string; message?: string } };
  return { code: parsed.error?.code ?? '', message: parsed.error?.message ?? '' };
}

/** What a raw request got back: the status line and headers as sent, the body, and whether the server closed. */
export interface RawResponse {
  head: string;
  status: number;
  body: string;
  /** The server ended the connection (after answering, or without a word). */
  closed: boolean;
}

/**
 * Writes `request` as it is over TLS 1.3 to 127.0.0.1 (verified as `localhost` with `ca`) and reads until the
 * server closes or `timeoutMs` passes (a keep-alive answer then counts as not closed).
 */
export function rawTlsRequest(port: number, ca: string, request: string, timeoutMs = 5_000): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: '127.0.0.1', servername: 'localhost', port, ca, minVersion: 'TLSv1.3' }, () => socket.write(request));
    let text = '';
    let settled = false;
    const finish = (closed: boolean): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const at = text.indexOf('\r\n\r\n');
      const head = at < 0 ? text : text.slice(0, at);
      resolve({ head, status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0), body: at < 0 ? '' : text.slice(at + 4), closed });
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    socket.setEncoding('utf8');
    socket.on('data', (c: string) => (text += c));
    socket.on('end', () => finish(true));
    socket.on('close', () => finish(true));
    socket.on('error', (err: Error) => {
      // A reset after the answer still counts as an answer and a close.
      if (text !== '') finish(true);
      else if (!settled) {
        settled = true;
        clearTimeout(timer);
        reject(err);
      }
    });
  });
}

/** The value of header `name` in a raw response head (case-insensitive), if present. */
export function headerOf(head: string, name: string): string | undefined {
  const line = head.split('\r\n').find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
  return line?.slice(line.indexOf(':') + 1).trim();
}
