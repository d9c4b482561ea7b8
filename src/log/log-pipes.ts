// The three log FIFOs PostgreSQL's logging collector and our wal-archive/wal-restore write into, re-emitted
// as JSON lines on stdout (CNPG's pkg/management/postgres/logpipe,
// https://github.com/cloudnative-pg/cloudnative-pg/tree/main/pkg/management/postgres/logpipe).
import { join } from 'node:path';
import type { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { describeError } from '../errors.js';
import { CsvRecordParser } from './csv-parser.js';
import { CsvLogLayout } from './csv-record.js';
import { openFifoStream } from './fifo-reader.js';
import { LineSplitter } from './line-splitter.js';
import { scrubSecrets } from './scrub-secrets.js';
import { child, namedLogger, writeRawLine, type Logger } from './logger.js';
import { type LogLevel } from '../config/log-levels.js';

/** File names inside the log directory; postgres gets log_filename='postgres' and csvlog adds `.csv`. */
export const LOG_PIPE_FILES = { csv: 'postgres.csv', raw: 'postgres', json: 'postgres.json' } as const;

export interface LogPipesOptions {
  logDir: string;
  root: Logger;
  signal: AbortSignal;
  /** Back-off after a pipe failed, before it is reopened (CNPG: 1 s). */
  retryDelayMs?: number;
}

export interface LogPipes {
  /** Resolves once all three FIFOs exist and are open: postgres must not start before. */
  ready: Promise<void>;
  /** Resolves once every pipe has stopped after the signal was aborted. */
  done: Promise<void>;
}

type ChunkHandler = (chunk: Buffer) => void;

/** Starts the CSV, raw and JSON pipes under `logDir`; they run until `signal` aborts. */
export function startLogPipes(options: LogPipesOptions): LogPipes {
  const { logDir, root, signal } = options;
  const postgres = namedLogger(root, 'postgres');
  const pgaudit = namedLogger(root, 'pgaudit');
  const own = child(root, 'log-pipes');
  const pipes = [
    { path: join(logDir, LOG_PIPE_FILES.csv), make: () => csvHandler(postgres, pgaudit) },
    { path: join(logDir, LOG_PIPE_FILES.raw), make: (path: string) => rawHandler(postgres, path) },
    { path: join(logDir, LOG_PIPE_FILES.json), make: (path: string) => jsonHandler(root, postgres, path) },
  ];
  const runs = pipes.map((p) => runPipe(p.path, p.make, own, signal, options.retryDelayMs ?? 1000));
  const ready = Promise.all(runs.map((r) => r.opened)).then(() => undefined);
  // A caller that stops before the pipes opened may never await `ready`: do not crash on it.
  ready.catch(() => undefined);
  const done = Promise.all(runs.map((r) => r.done)).then(() => undefined);
  return { ready, done };
}

function runPipe(
  path: string,
  make: (path: string) => ChunkHandler,
  own: Logger,
  signal: AbortSignal,
  retryDelayMs: number,
): { opened: Promise<void>; done: Promise<void> } {
  // Promise.withResolvers is Node 22+.
  let markOpened: () => void = () => undefined;
  let failOpen: (reason: unknown) => void = () => undefined;
  const opened = new Promise<void>((resolve, reject) => {
    markOpened = resolve;
    failOpen = reject;
  });
  const done = (async () => {
    while (!signal.aborted) {
      try {
        const socket = await openFifoStream(path, { logger: own, signal });
        markOpened();
        await pump(socket, make(path), own, path);
      } catch (err) {
        if (signal.aborted) break;
        own.error({ path, err: describeError(err) }, 'log pipe failed, reopening');
      }
      if (signal.aborted) break;
      await sleep(retryDelayMs, undefined, { signal }).catch(() => undefined);
    }
    failOpen(signal.reason);
  })();
  return { opened, done };
}

// Feeds the socket's chunks to the handler until it closes (abort, or a read error).
function pump(socket: Socket, handle: ChunkHandler, own: Logger, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let failure: Error | undefined;
    socket.on('data', (chunk: Buffer) => {
      try {
        handle(chunk);
      } catch (err) {
        own.error({ path, err: describeError(err) }, 'log pipe could not process a chunk');
      }
    });
    socket.on('error', (err) => {
      failure = err;
    });
    socket.on('close', () => (failure ? reject(failure) : resolve()));
  });
}

const PINO_METHOD: Record<LogLevel, 'error' | 'warn' | 'info' | 'debug' | 'trace'> = {
  error: 'error',
  warning: 'warn',
  info: 'info',
  debug: 'debug',
  trace: 'trace',
};

function csvHandler(postgres: Logger, pgaudit: Logger): ChunkHandler {
  const parser = new CsvRecordParser();
  const layout = new CsvLogLayout();
  return (chunk) => {
    for (const { fields, truncated } of parser.push(chunk)) {
      const mapped = layout.map(fields, truncated);
      if (mapped.kind === 'invalid') {
        // Keep the content: one error line that carries the fields as they came.
        const msg = `invalid fields count, got ${mapped.got}, expected ${mapped.expected.join(' or ')}`;
        postgres.error({ fields: mapped.fields.map(scrubSecrets) }, msg);
        continue;
      }
      const log = mapped.logger === 'pgaudit' ? pgaudit : postgres;
      const extra = truncated ? { record: mapped.record, truncated: true } : { record: mapped.record };
      log[PINO_METHOD[mapped.level]](extra, 'record');
    }
  };
}

function rawHandler(postgres: Logger, path: string): ChunkHandler {
  const splitter = new LineSplitter();
  return (chunk) => {
    for (const line of splitter.push(chunk)) {
      if (line.text === '') continue;
      postgres.info(line.truncated ? { source: path, truncated: true } : { source: path }, scrubSecrets(line.text));
    }
  };
}

function jsonHandler(root: Logger, postgres: Logger, path: string): ChunkHandler {
  const splitter = new LineSplitter();
  return (chunk) => {
    for (const line of splitter.push(chunk)) {
      if (line.text.trim() === '') continue;
      if (!line.truncated && isJsonObject(line.text)) writeRawLine(root, line.text);
      else postgres.info({ source: path, ...(line.truncated ? { truncated: true } : {}) }, line.text);
    }
  };
}

function isJsonObject(text: string): boolean {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v);
  } catch {
    return false;
  }
}
