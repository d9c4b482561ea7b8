// Root pino logger with CloudNativePG's JSON envelope: level, ts, logger, msg, fields, logging_pod.
import { pino, type Logger, type LevelWithSilent } from 'pino';
import { isoTime } from './iso-time.js';
import type { LogLevel } from '../config/log-levels.js';

/** Keys whose values are never written, wherever they appear one or two levels deep (pino docs/redaction.md). */
export const REDACTED_KEYS: readonly string[] = [
  'password',
  'passwd',
  'pgpass',
  'secret',
  'privateKey',
  'key',
  'tls.key',
  'token',
  'connectionString',
];

function redactPaths(): string[] {
  const paths: string[] = [];
  for (const k of REDACTED_KEYS) {
    const key = k.includes('.') ? `["${k}"]` : k;
    paths.push(k.includes('.') ? key : k, `*.${k.includes('.') ? key : k}`);
  }
  return paths.map((p) => p.replace('*.["', '*["'));
}

function toPinoLevel(level: LogLevel): LevelWithSilent {
  return level === 'warning' ? 'warn' : level;
}

export interface LoggerOptions {
  level: LogLevel;
  podName?: string;
  /** Destination stream; defaults to a synchronous stdout so the last line before exit is never lost. */
  destination?: pino.DestinationStream;
}

/**
 * Builds the one root logger. It carries no `logger` name itself: components get
 * `child(root, 'name')` (logger "instance-manager") and re-emitters `namedLogger(root, 'postgres')`,
 * so no line ever has the key twice.
 */
export function createRootLogger(options: LoggerOptions): Logger {
  const base: Record<string, string> = {};
  if (options.podName) base.logging_pod = options.podName;
  return pino(
    {
      level: toPinoLevel(options.level),
      base,
      messageKey: 'msg',
      timestamp: () => `,"ts":"${isoTime()}"`,
      formatters: {
        level: (label) => ({ level: label === 'warn' ? 'warning' : label }),
      },
      redact: { paths: redactPaths(), censor: '[REDACTED]' },
    },
    options.destination ?? pino.destination({ dest: 1, sync: true }),
  );
}

/** A child logger for one component of the manager. */
export function child(root: Logger, component: string): Logger {
  return root.child({ logger: 'instance-manager', component });
}

/** A child logger that carries another `logger` name, as CNPG does for postgres, pg_ctl, initdb... */
export function namedLogger(root: Logger, name: string): Logger {
  return root.child({ logger: name });
}

export type { Logger };

/**
 * Writes one already-formatted JSON line straight to the logger's destination (the JSON log pipe
 * passes wal-archive/wal-restore lines through verbatim), so it stays in order with pino's own lines.
 */
export function writeRawLine(logger: Logger, line: string): void {
  const holder = logger as unknown as Record<symbol, pino.DestinationStream | undefined>;
  const stream = holder[pino.symbols.streamSym];
  stream?.write(line.endsWith('\n') ? line : `${line}\n`);
}
