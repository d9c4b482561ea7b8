// The local-only channel between the manager and its short-lived `wal-archive` / `wal-restore` subcommands.
// CNPG serves the cached Cluster and the credentials env on http://localhost:8010 to any process of the pod
// (internal/management/controller/cache.go); here the subcommand only names the WAL file, the manager does
// the work with the credentials it already holds, and the channel is a Unix socket in a 0700 folder of the
// controller's run folder: only the postgres user can open it, and nothing secret crosses it.
/* eslint-disable security/detect-non-literal-fs-filename -- PGDATA/pg_wal/<checked WAL name>, the manager's own spool and socket folders */
import { chmod, mkdir, rm } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname } from 'node:path';
import { describeError } from '../errors.js';
import { serveUnixSocket } from '../os/unix-socket-server.js';
import type { Logger } from '../log/logger.js';
import { ArchiveRefused } from './wal-archiver.js';
import { RestoreFailure } from './wal-restorer.js';

export interface WalChannelHandlers {
  archive(name: string): Promise<void>;
  restore(name: string, dest: string, rewind: boolean): Promise<void>;
}

const STATUS_OF: Record<RestoreFailure['kind'], number> = { 'not-found': 404, connectivity: 503, invalid: 400, other: 500, 'end-of-stream': 409 };
const MAX_BODY = 4096;

/** Serves the channel on `socketPath` until `signal` aborts; resolves once listening, `done` once closed. */
export async function serveWalChannel(socketPath: string, pgData: string, handlers: WalChannelHandlers, log: Logger, signal: AbortSignal): Promise<{ done: Promise<void> }> {
  await mkdir(dirname(socketPath), { recursive: true, mode: 0o700 });
  await chmod(dirname(socketPath), 0o700);
  const { closed } = await serveUnixSocket(socketPath, (req, res) => void handle(req, res, pgData, handlers, log), signal);
  return { done: closed.then(() => rm(socketPath, { force: true })) };
}

async function handle(req: IncomingMessage, res: ServerResponse, pgData: string, handlers: WalChannelHandlers, log: Logger): Promise<void> {
  const reply = (status: number, body: unknown): void => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };
  try {
    const body = await readBody(req);
    const name = typeof body.name === 'string' ? body.name : '';
    if (req.method === 'POST' && req.url === '/wal-archive') {
      await handlers.archive(name);
      reply(200, { data: {} });
    } else if (req.method === 'POST' && req.url === '/wal-restore') {
      const dest = typeof body.dest === 'string' ? body.dest : '';
      // The destination is always PostgreSQL's %p, inside PGDATA.
      if (!dest.startsWith(`${pgData}/`) || dest.includes('/../')) throw new RestoreFailure('invalid', `destination ${JSON.stringify(dest)} is outside PGDATA`);
      await handlers.restore(name, dest, body.rewind === true);
      reply(200, { data: {} });
    } else {
      reply(404, { error: { code: 'NOT_FOUND', message: `no ${req.method ?? ''} ${req.url ?? ''}` } });
    }
  } catch (err) {
    if (err instanceof RestoreFailure) {
      reply(STATUS_OF[err.kind], { error: { code: err.kind, message: err.message } });
      return;
    }
    if (!(err instanceof ArchiveRefused)) log.debug({ err: describeError(err) }, 'WAL channel request failed');
    reply(500, { error: { code: err instanceof ArchiveRefused ? 'refused' : 'failed', message: describeError(err) } });
  }
}

async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  let text = '';
  for await (const chunk of req) {
    text += String(chunk);
    if (text.length > MAX_BODY) throw new Error('request too large');
  }
  const parsed: unknown = text === '' ? {} : JSON.parse(text);
  return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
}
