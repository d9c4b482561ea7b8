// Response helpers shared by the fast path and the express routes: CNPG's bodies (text "OK", JSON
// envelopes), deadlines and single-flight, with errors that never carry stack traces or file paths.
import type { ServerResponse } from 'node:http';

/** A failure with the HTTP status and stable code it should be answered with. */
export class HttpError extends Error {
  readonly status: number;
  readonly code: string;
  /** The `Allow` header of a 405: the route's methods. */
  readonly allow: string | undefined;

  constructor(status: number, code: string, message: string, options: { allow?: string } = {}) {
    super(message);
    this.name = 'HttpError';
    this.status = status;
    this.code = code;
    this.allow = options.allow;
  }
}

/** Plain text answer (CNPG's probes answer "OK"). */
export function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}

/** A JSON body that is already serialised. */
export function sendJsonText(res: ServerResponse, status: number, json: string): void {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json), 'cache-control': 'no-store' });
  res.end(json);
}

/** `{ "error": { code, message } }` (CNPG's Response envelope). */
export function sendError(res: ServerResponse, status: number, code: string, message: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJsonText(res, status, JSON.stringify({ error: { code, message: scrub(message) } }));
}

/** Answers any thrown value: an HttpError with its own status, anything else as a 500 with its message. */
export function sendFailure(res: ServerResponse, err: unknown, fallbackCode = 'INTERNAL'): void {
  if (err instanceof HttpError) {
    if (err.allow !== undefined && !res.headersSent) res.setHeader('allow', err.allow);
    sendError(res, err.status, err.code, err.message);
  }
  else sendError(res, 500, fallbackCode, err instanceof Error ? err.message : String(err));
}

// Responses are read by anyone who can reach :8000: drop anything that looks like an absolute path.
function scrub(message: string): string {
  return message.replace(/(^|[\s'"(=])\/[^\s'")]+/g, '$1<path>').slice(0, 500);
}

/** Rejects with a 500 TIMEOUT HttpError when `promise` has not settled within `ms`. */
export async function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new HttpError(500, 'TIMEOUT', `${what} did not answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Callers arriving while a computation runs share it, so a burst costs postgres one computation. */
export class SingleFlight<T> {
  #inflight: Promise<T> | undefined;

  /** Joins the running computation, or starts `fn`. */
  run(fn: () => Promise<T>): Promise<T> {
    if (this.#inflight) return this.#inflight;
    const p = fn().finally(() => {
      if (this.#inflight === p) this.#inflight = undefined;
    });
    this.#inflight = p;
    return p;
  }
}
