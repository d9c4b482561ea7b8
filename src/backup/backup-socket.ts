// The local-only channel of backups: an HTTP server on a Unix socket in the run directory (mode 0600, the
// run user's), standing in for CNPG's localhost:8010 webserver (pkg/management/postgres/webserver/local.go):
// `POST /pg/backup?name=N` starts Backup N (the `backup` command, what the operator execs in the pod), and
// `GET /pg/backups` lists barman's catalog (the `backups` command). A socket file rather than a loopback
// port: only the run user (and root) can connect, and no other pod container can reach it.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { describeError } from '../errors.js';
import { serveUnixSocket } from '../os/unix-socket-server.js';
import type { Logger } from '../log/logger.js';
import { BackupBusyError } from './backup-runner.js';
import { checkBackupName } from './backup-objects.js';
import type { BackupRequestOptions } from './backup-request-spec.js';

/** The socket's file name under the run directory. */
export const BACKUP_SOCKET = 'backup.sock';

export interface BackupEndpoints {
  /** Starts Backup `name` with the request's options; resolves with its method and backup name. */
  start(name: string, options: BackupRequestOptions): Promise<{ method: string; backupName: string }>;
  /** The catalog with its recoverability window. */
  list(): Promise<unknown>;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(`${JSON.stringify(body)}\n`);
}

async function handle(req: IncomingMessage, res: ServerResponse, e: BackupEndpoints): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://local');
  if (url.pathname === '/pg/backup' && req.method === 'POST') {
    const name = url.searchParams.get('name') ?? '';
    try {
      checkBackupName(name);
    } catch (err) {
      send(res, 400, { error: { code: 'INVALID_NAME', message: describeError(err) } });
      return;
    }
    try {
      // `backup NAME --method M --online B ...`: the options of `kubectl cnpg backup` (backup-request-spec.ts).
      const q = (k: string): string | undefined => url.searchParams.get(k) ?? undefined;
      const options = { method: q('method'), online: q('online'), immediateCheckpoint: q('immediateCheckpoint'), waitForArchive: q('waitForArchive') };
      send(res, 200, { data: { name, ...(await e.start(name, options)) } });
    } catch (err) {
      const busy = err instanceof BackupBusyError;
      send(res, busy ? 409 : 500, { error: { code: busy ? 'ANOTHER_BACKUP_RUNNING' : 'BACKUP_FAILED', message: describeError(err) } });
    }
    return;
  }
  if (url.pathname === '/pg/backups' && req.method === 'GET') {
    try {
      send(res, 200, { data: await e.list() });
    } catch (err) {
      send(res, 500, { error: { code: 'CATALOG', message: describeError(err) } });
    }
    return;
  }
  send(res, 404, { error: { code: 'NOT_FOUND', message: `${req.method ?? ''} ${url.pathname}` } });
}

/** Serves `e` on `path` until `signal` aborts; resolves once listening, with a promise of the close. */
export async function serveBackupSocket(path: string, e: BackupEndpoints, log: Logger, signal: AbortSignal): Promise<{ closed: Promise<void> }> {
  return serveUnixSocket(
    path,
    (req, res) => {
      handle(req, res, e).catch((err: unknown) => {
        log.error({ err: describeError(err) }, 'local backup request failed');
        if (!res.headersSent) send(res, 500, { error: { code: 'INTERNAL', message: describeError(err) } });
      });
    },
    signal,
  );
}
