// The express app behind the fast path: operator-only routes, 404 for unknown paths and one JSON error
// middleware (STYLE: `{ error: { code, message } }`, no stack traces or file paths in responses).
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Cluster } from '../spec/cluster.js';
import { checkOperator } from './operator-auth.js';
import { HttpError, sendFailure, withDeadline } from './respond.js';

export interface OperatorAppOptions {
  cluster: () => Cluster | undefined;
  /** pg_controldata's output (supervisor/controldata.ts); bounded by the caller's runner. */
  controlData: () => Promise<{ ok: boolean; text: string }>;
  deadlineMs: number;
}

const NOT_BUILT = 'not implemented yet by this instance manager';

/** Builds the express app for every path the fast path does not serve. */
export function createOperatorApp(options: OperatorAppOptions): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.set('query parser', false);

  const operator = (req: Request, _res: Response, next: NextFunction): void => {
    try {
      checkOperator(req, options.cluster()?.status.operatorCertificateFingerprint);
      next();
    } catch (err) {
      next(err);
    }
  };

  app.all('/pg/controldata', operator, (_req, res, next) => {
    withDeadline(options.controlData(), options.deadlineMs, 'pg_controldata').then(
      (r) => {
        if (!r.ok) throw new HttpError(500, 'CONTROLDATA_FAILED', 'pg_controldata failed');
        res.status(200).json({ data: r.text });
      },
    ).catch(next);
  });
  app.all(['/pg/mode/backup', '/pg/archive/partial'], operator, (_req, _res, next) => {
    next(new HttpError(501, 'NOT_IMPLEMENTED', NOT_BUILT));
  });
  app.all('/update', operator, (req, _res, next) => {
    if (req.method !== 'PUT') next(new HttpError(405, 'WRONG_METHOD', 'wrong method used'));
    else next(new HttpError(501, 'NOT_IMPLEMENTED', NOT_BUILT));
  });
  app.use((_req, _res, next) => next(new HttpError(404, 'NOT_FOUND', 'page not found')));
  // Four arguments: express recognises an error middleware by its arity.
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    sendFailure(res, err);
  });
  return app;
}
