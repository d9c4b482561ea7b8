// `instance init` / first `instance run`: initdb into a temporary sibling folder, then rename it into place,
// so a failed initdb never leaves a half-made PGDATA. A marker file stays until the bootstrap SQL is done and
// the new files are on disk: initdb runs with --no-sync, and the caller syncs PGDATA (sync-pgdata.ts) while
// postgres starts. The marker itself, its folder and the rename are made durable first.
import { readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { ManagerError } from '../errors.js';
import { namedLogger, type Logger } from '../log/logger.js';
import { isoTime } from '../log/iso-time.js';
import type { InitdbSpec } from '../spec/cluster.js';
import type { ChildRegistry } from '../supervisor/child-registry.js';
import { failureReason, runToCompletion } from '../supervisor/run-to-completion.js';
import { spawnProcess } from '../supervisor/spawn.js';
import { initdbArgs } from './initdb-args.js';
import { fsyncDir } from '../pgfiles/write-file-atomic.js';

/** Present in PGDATA from initdb until the application database and owner exist. */
export const BOOTSTRAP_MARKER = 'pgim.bootstrap-pending';

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
  registry: ChildRegistry;
  root: Logger;
  timeoutMs?: number;
}

/** Runs initdb per spec.bootstrap.initdb into a temp folder and moves it to PGDATA (0700). */
export async function runInitdb(options: InitdbOptions): Promise<void> {
  const log = namedLogger(options.root, 'initdb');
  const temp = join(dirname(options.pgData), `.${basename(options.pgData)}.initdb-${randomBytes(4).toString('hex')}`);
  const started = Date.now();
  log.info({ pgdata: options.pgData }, 'initdb started');
  try {
    const result = await runToCompletion(join(options.pgBin, 'initdb'), [...initdbArgs(temp, options.spec), '--no-sync'], {
      registry: options.registry,
      timeoutMs: options.timeoutMs ?? 600_000,
      errorCode: 'BOOTSTRAP',
      // The first step of a first start: spawned at once, not after execa has loaded.
      spawn: spawnProcess,
    });
    for (const line of `${result.stdout}\n${result.stderr}`.split('\n')) {
      if (!line.trim() || NO_SYNC_WARNING.test(line)) continue;
      if (PG_CTL_ADVICE.test(line)) log.debug(line);
      else log.info(line);
    }
    if (result.exitCode !== 0) {
      const { why, lastLine } = failureReason(result);
      throw new ManagerError('BOOTSTRAP', `initdb failed (${why})${lastLine ? `: ${lastLine}` : ''}`);
    }
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- inside our temp PGDATA
    await writeFile(join(temp, BOOTSTRAP_MARKER), `${isoTime()}\n`, { mode: 0o600, flush: true });
    await fsyncDir(temp);
    await moveIntoPlace(temp, options.pgData);
    await fsyncDir(dirname(options.pgData));
  } catch (err) {
    await rm(temp, { recursive: true, force: true });
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

/** Removes the marker once the bootstrap SQL has committed and PGDATA is on disk, durably. */
export async function clearBootstrapMarker(pgData: string): Promise<void> {
  await rm(join(pgData, BOOTSTRAP_MARKER), { force: true });
  await fsyncDir(pgData);
}
