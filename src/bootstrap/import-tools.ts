// The client tools of a logical import (pg_dump, pg_restore, psql for the source's catalog), run to completion
// through the supervisor with execa's timeout and cancelSignal. pg_dump's verbose lines are its progress: kept
// at debug, counted, and summed up at info; a failure names the tool, the database and libpq's last line.
// Argv holds conninfos, never a password (the source's password is in its passfile), and is not logged.
import { join } from 'node:path';
import { ManagerError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { ChildRegistry } from '../supervisor/child-registry.js';
import { failureReason, runToCompletion } from '../supervisor/run-to-completion.js';
import { postgresEnv } from '../supervisor/spawn.js';

export interface ImportTools {
  pgBin: string;
  registry: ChildRegistry;
  log: Logger;
  signal: AbortSignal;
  /** Per tool run; a dump of a large database takes long. */
  timeoutMs: number;
}

// How many of a tool's last stderr lines are kept for its error message.
const KEPT_LINES = 20;

/** Runs one tool; resolves with its stdout; rejects naming `what` with the tool's last error line. */
export async function runImportTool(t: ImportTools, tool: 'pg_dump' | 'pg_restore' | 'psql', args: readonly string[], what: string): Promise<string> {
  const started = Date.now();
  const kept: string[] = [];
  let verbose = 0;
  const result = await runToCompletion(join(t.pgBin, tool), args, {
    registry: t.registry,
    timeoutMs: t.timeoutMs,
    errorCode: 'BOOTSTRAP',
    // libpq's PG* variables of the manager's environment must not change where the tools connect.
    env: postgresEnv(),
    signal: t.signal,
    maxOutputBytes: 16 * 1024 * 1024,
    onStderrLine: (line) => {
      if (line.trim() === '') return false;
      kept.push(line);
      if (kept.length > KEPT_LINES) kept.shift();
      // pg_dump -v: "pg_dump: dumping contents of table ...", "pg_dump: reading ...".
      if (/^pg_dump: (?!error|warning)/.test(line)) verbose += 1;
      if (/ (error|warning|FATAL|ERROR):/.test(line)) t.log.warn({ tool, what }, line);
      else t.log.debug({ tool, what }, line);
      return false;
    },
  });
  const durationMs = Date.now() - started;
  if (result.exitCode !== 0) {
    if (result.canceled) throw new ManagerError('BOOTSTRAP', `${tool} (${what}) interrupted by a stop request`);
    const { why } = failureReason(result);
    const reason = [...kept].reverse().find((l) => /error|FATAL|ERROR|failed/.test(l)) ?? kept.at(-1) ?? '';
    throw new ManagerError('BOOTSTRAP', `logical import: ${tool} (${what}) failed (${why})${reason ? `: ${reason}` : ''}`);
  }
  if (tool !== 'psql') t.log.info({ tool, what, durationMs, ...(tool === 'pg_dump' ? { steps: verbose } : {}) }, `${tool} finished`);
  return result.stdout;
}

/** Runs one query on the source with psql and parses its single JSON value. */
export async function sourceJson<T>(t: ImportTools, conninfo: string, query: string, what: string): Promise<T> {
  const out = await runImportTool(t, 'psql', ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-d', conninfo, '-c', query], what);
  try {
    return JSON.parse(out.trim()) as T;
  } catch (err) {
    throw new ManagerError('BOOTSTRAP', `logical import: the source's answer to ${what} is not JSON`, { cause: err });
  }
}
