// Makes a new PGDATA durable with `initdb --sync-only`: the same fsync walk that initdb runs at its end
// (PostgreSQL's fsync_pgdata: writeback started for every file, then each file and folder fsynced; pg_wal and
// tablespace links followed). The first start runs `initdb --no-sync` and this walk side by side with the
// postmaster's start-up and the bootstrap SQL, instead of before them. The bootstrap marker stays until it
// has finished, so a crash in between leaves a PGDATA that the next start refuses rather than trusts.
// A failed fsync makes initdb exit non-zero; a file postgres removed meanwhile is only a line on stderr.
// (A walk in Node took 140-180 ms for a new PGDATA's 966 files on the test machine; initdb -S takes 80-110.)
import { join } from 'node:path';
import { ManagerError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { ChildRegistry } from '../supervisor/child-registry.js';
import { failureReason, runToCompletion } from '../supervisor/run-to-completion.js';
import { postgresEnv } from '../supervisor/spawn.js';

export interface SyncOptions {
  pgBin: string;
  pgData: string;
  registry: ChildRegistry;
  log: Logger;
  timeoutMs?: number;
}

async function syncDataDirectory(options: SyncOptions): Promise<void> {
  const started = Date.now();
  const result = await runToCompletion(join(options.pgBin, 'initdb'), ['--sync-only', '-D', options.pgData], {
    registry: options.registry,
    timeoutMs: options.timeoutMs ?? 600_000,
    errorCode: 'BOOTSTRAP',
    env: postgresEnv(),
  });
  // stdout is "syncing data to disk ... ok"; stderr names files removed since the walk listed them.
  for (const line of result.stderr.split('\n')) if (line.trim()) options.log.info(line);
  if (result.exitCode !== 0) {
    const { why, lastLine } = failureReason(result);
    throw new ManagerError('BOOTSTRAP', `syncing the new PGDATA ${options.pgData} to disk failed (initdb --sync-only: ${why})${lastLine ? `: ${lastLine}` : ''}`);
  }
  options.log.info({ pgdata: options.pgData, durationMs: Date.now() - started }, 'new PGDATA synced to disk');
}

/**
 * Starts syncing a new PGDATA in the background and returns the wait for it. The promise is marked handled
 * at once, so a failure surfaces where the caller awaits it (before the bootstrap marker is removed).
 */
export function startDataDirectorySync(options: SyncOptions): Promise<void> {
  const done = syncDataDirectory(options);
  done.catch(() => undefined);
  return done;
}
