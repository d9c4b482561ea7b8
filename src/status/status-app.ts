// The express app of :8000: every route with its methods, matched exactly (case-sensitive, no trailing
// slash, as CNPG's Go mux), 405 with `Allow` for another method, 404 for unknown paths, and one JSON error
// middleware (STYLE: `{ error: { code, message } }`, no stack traces or file paths in responses). The server's
// fast path (status-server.ts) answers the hot GETs itself with the same handlers' results.
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { Cluster } from '../spec/cluster.js';
import type { BackupMode } from './backup-mode.js';
import { checkOperator } from './operator-auth.js';
import { HttpError, sendFailure, sendJsonText, sendText, withDeadline } from './respond.js';

/** The answers the hot routes give; each bounded by its own deadline (the server's backstop adds 250 ms). */
export interface HotRoutes {
  liveness(): Promise<string>;
  readiness(): Promise<string>;
  startup(): Promise<string>;
  /** /pg/status's JSON text. */
  status(): Promise<string>;
  probeMs: number;
  statusMs: number;
}

export interface StatusAppOptions {
  hot: HotRoutes;
  cluster: () => Cluster | undefined;
  /** pg_controldata's output (supervisor/controldata.ts); bounded by the caller's runner. */
  controlData: () => Promise<{ ok: boolean; text: string }>;
  deadlineMs: number;
  /** /pg/mode/backup's state machine (backup-mode.ts). */
  backupMode: () => BackupMode;
  /** POST /pg/archive/partial: the archived segment's name, or an HttpError (commands/archive-partial-route.ts). */
  archivePartial?: () => Promise<string>;
}

const NOT_BUILT = 'not implemented yet by this instance manager';
// Slack of the outer deadline over the answer's own one.
const BACKSTOP_MS = 250;

type Method = 'get' | 'post' | 'put';

/** Builds the express app (the fast path falls back to it for anything but a hot GET). */
export function createStatusApp(options: StatusAppOptions): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.set('query parser', false);
  app.set('case sensitive routing', true);
  app.set('strict routing', true);

  // One route: its methods' handlers, and 405 naming them for any other method (OPTIONS and TRACE included).
  const route = (path: string, handlers: Partial<Record<Method, RequestHandler[]>>): void => {
    const r = app.route(path);
    const allow: string[] = [];
    for (const [method, chain] of Object.entries(handlers) as [Method, RequestHandler[]][]) {
      if (method === 'get') r.get(...chain);
      else if (method === 'post') r.post(...chain);
      else r.put(...chain);
      allow.push(method.toUpperCase(), ...(method === 'get' ? ['HEAD'] : []));
    }
    r.all((_req, _res, next) => next(new HttpError(405, 'WRONG_METHOD', 'wrong method used', { allow: allow.join(', ') })));
  };
  const hot = options.hot;
  const text = (fn: () => Promise<string>, ms: number, what: string): RequestHandler[] => [
    (_req, res, next) => void withDeadline(fn(), ms + BACKSTOP_MS, what).then((t) => sendText(res, 200, t), next),
  ];
  const operator: RequestHandler = (req, _res, next) => {
    try {
      checkOperator(req, options.cluster()?.status.operatorCertificateFingerprint);
      next();
    } catch (err) {
      next(err);
    }
  };
  const notBuilt: RequestHandler = (_req, _res, next) => next(new HttpError(501, 'NOT_IMPLEMENTED', NOT_BUILT));

  route('/failsafe', { get: [(_req, res) => sendText(res, 200, 'OK')] });
  route('/healthz', { get: text(() => hot.liveness(), hot.probeMs, 'probe') });
  route('/readyz', { get: text(() => hot.readiness(), hot.probeMs, 'probe') });
  route('/startupz', { get: text(() => hot.startup(), hot.probeMs, 'probe') });
  route('/pg/status', {
    get: [(_req, res, next) => void withDeadline(hot.status(), hot.statusMs + BACKSTOP_MS, '/pg/status').then((json) => sendJsonText(res, 200, json), (err: unknown) => next(asStatusFailure(err)))],
  });
  route('/pg/controldata', {
    get: [
      operator,
      (_req, res, next) =>
        void withDeadline(options.controlData(), options.deadlineMs, 'pg_controldata')
          .then((r) => {
            if (!r.ok) throw new HttpError(500, 'CONTROLDATA_FAILED', 'pg_controldata failed');
            res.status(200).json({ data: r.text });
          })
          .catch(next),
    ],
  });
  // The methods CNPG's operator uses (webserver/remote.go): backup GET/POST/PUT, partial WAL POST, upgrade PUT.
  // Go decodes the backup bodies whatever their content type, so every body is read as text.
  const body = express.text({ type: () => true, limit: '64kb' });
  const backup: RequestHandler = (req, res, next) =>
    void options
      .backupMode()
      .handle(req.method as 'GET' | 'POST' | 'PUT', typeof req.body === 'string' ? req.body : '')
      .then((answer) => res.status(answer.status).json(answer.body), next);
  route('/pg/mode/backup', { get: [operator, backup], post: [operator, body, backup], put: [operator, body, backup] });
  const archivePartial = options.archivePartial;
  route('/pg/archive/partial', {
    post: [operator, archivePartial ? (_req, res, next) => void archivePartial().then((data) => res.status(200).json({ data }), next) : notBuilt],
  });
  route('/update', { put: [operator, notBuilt] });
  app.use((_req, _res, next) => next(new HttpError(404, 'NOT_FOUND', 'page not found')));
  // Four arguments: express recognises an error middleware by its arity.
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    sendFailure(res, err);
  });
  return app;
}

// A /pg/status failure that is not already an HTTP answer is a 500 STATUS_FAILED.
function asStatusFailure(err: unknown): unknown {
  return err instanceof HttpError ? err : new HttpError(500, 'STATUS_FAILED', err instanceof Error ? err.message : String(err));
}
