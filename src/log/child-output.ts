// Re-emits a child's plain text output (postgres before the logging collector starts, initdb, pg_ctl,
// pg_controldata...) as one JSON line per text line, as CNPG's execlog does.
import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import { describeError } from '../errors.js';
import { DEFAULT_MAX_LINE_BYTES, LineSplitter, type Line } from './line-splitter.js';

export interface ReemitOptions {
  /** Longer lines are cut there (and flagged `truncated`), the rest of the line is dropped. */
  maxLineBytes?: number;
  /** Also handed each line (e.g. kept to explain a failed start). */
  onLine?: (text: string) => void;
}

/**
 * Logs each line of `stream` at info with `logger` (e.g. namedLogger(root, 'initdb')) and the `extra`
 * fields; empty lines are dropped. Resolves when the stream ends or fails; never rejects.
 */
export async function reemitLines(
  stream: Readable,
  logger: Logger,
  extra: Record<string, unknown> = {},
  options: ReemitOptions = {},
): Promise<void> {
  const splitter = new LineSplitter(options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES);
  const emit = (lines: Line[]): void => {
    for (const line of lines) {
      if (line.text === '') continue;
      options.onLine?.(line.text);
      logger.info(line.truncated ? { ...extra, truncated: true } : extra, line.text);
    }
  };
  try {
    for await (const chunk of stream as AsyncIterable<Buffer | string>) {
      emit(splitter.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk));
    }
  } catch (err) {
    // A child's pipe breaking is not our failure: the child's exit status tells what happened.
    logger.warn({ ...extra, err: describeError(err) }, 'output stream failed');
  }
  emit(splitter.end());
}
