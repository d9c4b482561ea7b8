// initdb into a temporary sibling folder, then rename it into place, so a failed initdb never leaves a
// half-made PGDATA. The bootstrap marker (bootstrap-marker.ts, phase `initdb`) goes in first: initdb runs
// with --no-sync, and the init step syncs PGDATA (sync-pgdata.ts) while postgres starts. The marker itself,
// its folder and the rename are made durable first.
import { readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { ManagerError } from '../errors.js';
import { namedLogger, type Logger } from '../log/logger.js';
import type { InitdbSpec } from '../spec/cluster.js';
import type { ChildRegistry } from '../supervisor/child-registry.js';
import { failureReason, runToCompletion } from '../supervisor/run-to-completion.js';
import { postgresEnv } from '../supervisor/spawn.js';
import { initdbArgs } from './initdb-args.js';
import { assertInitdbSupports } from './initdb-support.js';
import { initdbTempPrefix } from './initdb-leftovers.js';
import { fsyncDir } from '../files/write-file-atomic.js';
import { BOOTSTRAP_MARKER, writeMarker } from './bootstrap-marker.js';
import { clearFinalPath, placeExtras, removeTemps, tempSibling, type ExtraFolder } from './extra-folders.js';

// initdb's warning about --no-sync: the caller does sync, before it trusts the new PGDATA.
const NO_SYNC_WARNING = /^(Sync to disk skipped\.|The data directory might become corrupt if the operating system crashes\.)$/;
// initdb's closing advice ("Success. You can now start the database server using: pg_ctl -D <temp folder> ...")
// is for someone running initdb by hand: re-emitted at info it read as the manager's own, naming a temp folder
// that no longer exists and a pg_ctl the manager never uses. Kept at debug.
const PG_CTL_ADVICE = /^(Success\. You can now start the database server using:|\s*\S*pg_ctl\s.*\sstart)$/;

export type PgDataState = 'missing' | 'empty' | 'initialised' | 'bootstrap-pending';

/** Classifies PGDATA; unreadable or foreign contents are errors naming the path. */
export async function inspectPgData(pgData: string): Promise<PgDataState> {
  let entries: string[];
  try {
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- PGDATA from the Config
    entries = await readdir(pgData);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return 'missing';
    if (code === 'EACCES') throw new ManagerError('PGDATA', `PGDATA ${pgData} is not readable (permission denied)`, { cause: err });
    if (code === 'ENOTDIR') throw new ManagerError('PGDATA', `PGDATA ${pgData} is not a directory`, { cause: err });
    throw new ManagerError('PGDATA', `PGDATA ${pgData}: ${code ?? 'unreadable'}`, { cause: err });
  }
  const visible = entries.filter((e) => e !== 'lost+found');
  if (visible.length === 0) return 'empty';
  if (!visible.includes('PG_VERSION')) {
    throw new ManagerError('PGDATA', `PGDATA ${pgData} is not empty and holds no PG_VERSION: not a PostgreSQL data directory`);
  }
  return visible.includes(BOOTSTRAP_MARKER) ? 'bootstrap-pending' : 'initialised';
}

/** The major version PGDATA was made by (PGDATA/PG_VERSION). */
export async function readPgMajor(pgData: string): Promise<number> {
  // eslint-disable-next-line security/detect-non-literal-fs-filename -- PGDATA/PG_VERSION
  const text = (await readFile(join(pgData, 'PG_VERSION'), 'utf8')).trim();
  const major = Number.parseInt(text, 10);
  if (!Number.isInteger(major)) throw new ManagerError('PGDATA', `PGDATA ${pgData}/PG_VERSION is unreadable: '${text}'`);
  return major;
}

export interface InitdbOptions {
  pgBin: string;
  pgData: string;
  spec: InitdbSpec;
  /** spec.postgresql.extensions is not empty (needs PostgreSQL 18). */
  extensions?: boolean;
  /** spec.replicationSlots.highAvailability.synchronizeLogicalDecoding (needs PostgreSQL 17). */
  logicalDecodingSync?: boolean;
  registry: ChildRegistry;
  root: Logger;
  timeoutMs?: number;
  /** A stop request: initdb is terminated (execa cancelSignal), its temp folder removed, and this rejects. */
  signal?: AbortSignal;
  /** Called once initdb runs: what the start needs next is loaded meanwhile (runToCompletion's onSpawned). */
  onSpawned?: () => void;
  /** spec.walStorage: pg_wal's own folder (initdb --waldir, as CNPG initdb.go), made beside PGDATA's temp folder. */
  pgWal?: string;
}

/** Runs initdb per spec.bootstrap.initdb into a temp folder and moves it to PGDATA (0700). */
export async function runInitdb(options: InitdbOptions): Promise<void> {
  const log = namedLogger(options.root, 'initdb');
  const temp = join(dirname(options.pgData), `${initdbTempPrefix(options.pgData)}${randomBytes(4).toString('hex')}`);
  const started = Date.now();
  await assertInitdbSupports(join(options.pgBin, 'initdb'), options.spec, options.registry, options.extensions, options.logicalDecodingSync);
  const extras: ExtraFolder[] = options.pgWal ? [{ what: 'WAL folder', final: options.pgWal, temp: tempSibling(options.pgWal, 'new'), link: 'pg_wal' }] : [];
  for (const x of extras) await clearFinalPath(x.final, x.what, log);
  log.info({ pgdata: options.pgData, ...(options.pgWal ? { pgwal: options.pgWal } : {}) }, 'initdb started');
  try {
    const walArgs = extras.flatMap((x) => ['--waldir', x.temp]);
    const result = await runToCompletion(join(options.pgBin, 'initdb'), [...initdbArgs(temp, options.spec), ...walArgs, '--no-sync'], {
      registry: options.registry,
      timeoutMs: options.timeoutMs ?? 600_000,
      errorCode: 'BOOTSTRAP',
      env: postgresEnv(),
      signal: options.signal,
      onSpawned: options.onSpawned,
    });
    for (const line of `${result.stdout}\n${result.stderr}`.split('\n')) {
      if (!line.trim() || NO_SYNC_WARNING.test(line)) continue;
      if (PG_CTL_ADVICE.test(line)) log.debug(line);
      else log.info(line);
    }
    if (result.exitCode !== 0) {
      if (result.canceled) throw new ManagerError('BOOTSTRAP', `initdb interrupted by a stop request (${String(options.signal?.reason)}): nothing was kept`);
      const { why, lastLine } = failureReason(result);
      // initdb ends an error with "initdb: hint: Try ..." (PostgreSQL 15's pg_log_error_hint): the reason is above it.
      const reason = result.stderr.trim().split('\n').filter((l) => !/^\S+: hint: /.test(l)).pop() ?? lastLine;
      throw new ManagerError('BOOTSTRAP', `initdb failed (${why})${reason ? `: ${reason}` : ''}`);
    }
    await writeMarker(temp, 'initdb');
    await placeExtras(temp, extras);
    await moveIntoPlace(temp, options.pgData);
    await fsyncDir(dirname(options.pgData));
  } catch (err) {
    // initdb's single-user postgres may still be writing for a moment after initdb was stopped.
    await rm(temp, { recursive: true, force: true, maxRetries: 5 });
    await removeTemps(extras);
    throw err;
  }
  log.info({ pgdata: options.pgData, durationMs: Date.now() - started }, 'initdb finished');
}

async function moveIntoPlace(temp: string, pgData: string): Promise<void> {
  // rename(2) replaces an empty directory; PGDATA may exist empty (a fresh volume's subfolder).
  try {
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- temp -> PGDATA
    await rename(temp, pgData);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EBUSY' || code === 'EXDEV') {
      throw new ManagerError('BOOTSTRAP', `cannot move the new data directory into ${pgData} (${code}): use a subfolder of the volume as PGDATA`, {
        cause: err,
      });
    }
    throw err;
  }
  // eslint-disable-next-line security/detect-non-literal-fs-filename -- PGDATA
  if (((await stat(pgData)).mode & 0o777) !== 0o700) throw new ManagerError('BOOTSTRAP', `${pgData} is not mode 0700 after initdb`);
}
