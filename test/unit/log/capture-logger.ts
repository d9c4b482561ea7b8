// Test helper: a root logger whose JSON lines land in memory, with a wait for a condition on them.
import { EventEmitter } from 'node:events';
import { createRootLogger, type Logger } from '../../../src/log/logger.js';

export interface Captured {
  root: Logger;
  lines: string[];
  /** Parsed lines (all our output is JSON). */
  entries(): Record<string, unknown>[];
  /** Resolves when `pred` holds on the entries, rejects after `timeoutMs`. */
  waitFor(pred: (entries: Record<string, unknown>[]) => boolean, timeoutMs?: number): Promise<void>;
}

export function captureLogger(level: 'info' | 'debug' | 'trace' = 'debug'): Captured {
  const lines: string[] = [];
  const events = new EventEmitter();
  const destination = {
    write(s: string): void {
      for (const l of s.split('\n')) if (l !== '') lines.push(l);
      events.emit('line');
    },
  };
  const root = createRootLogger({ level, destination });
  const entries = (): Record<string, unknown>[] => lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  const waitFor = (pred: (e: Record<string, unknown>[]) => boolean, timeoutMs = 10_000): Promise<void> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        if (!pred(entries())) return;
        clearTimeout(timer);
        events.off('line', check);
        resolve();
      };
      const timer = setTimeout(() => {
        events.off('line', check);
        reject(new Error(`timed out; got ${lines.length} lines:\n${lines.join('\n')}`));
      }, timeoutMs);
      events.on('line', check);
      check();
    });
  return { root, lines, entries, waitFor };
}
