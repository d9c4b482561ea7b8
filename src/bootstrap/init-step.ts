// `instance init` as a one-shot step (CNPG internal/cmd/manager/instance/initdb): make PGDATA with initdb,
// start a postmaster, run the bootstrap SQL, make it durable, set the passwords, and hand that running
// postmaster back: `instance init` stops it, the embedded default's `instance run` takes it over.
// A first start interrupted at any moment is finished or redone here (bootstrap-marker.ts has the phases).
import { rename, rm, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { PGDATA_FILES } from '../config/constants.js';
import { ManagerError } from '../errors.js';
import { child, namedLogger, type Logger } from '../log/logger.js';
import type { LazyDb } from '../db/lazy-db.js';
import type { Pool } from '../db/pool.js';
import type { InitdbSpec } from '../spec/cluster.js';
import type { ChildRegistry } from '../supervisor/child-registry.js';
import { inspectPidFile } from '../supervisor/pidfile.js';
import { adoptPostmaster, waitUntilReady, type Postmaster } from '../supervisor/postmaster.js';
import { startOrAdoptPostmaster } from '../supervisor/start-postmaster.js';
import { stopPostmaster, type StopBudget } from '../supervisor/stop.js';
import { clearMarker, readMarker, writeMarker } from './bootstrap-marker.js';
import { inspectPgData, runInitdb } from './initdb.js';
import { initdbTempPrefix } from './initdb-leftovers.js';
import { linkedFolders } from './extra-folders.js';
import { startDataDirectorySync } from './sync-pgdata.js';
import type { SqlRefReader } from './sql-refs.js';

export interface InitStepOptions {
  pgBin: string;
  pgData: string;
  socketDir: string;
  spec: InitdbSpec;
  registry: ChildRegistry;
  root: Logger;
  db: LazyDb;
  budget: () => StopBudget & { startDelay: number };
  /** Writes the configuration files into PGDATA, before postgres starts. */
  writeFiles: () => Promise<void>;
  /** Work that runs beside initdb (the embedded default's certificates and Secrets). */
  beside: Promise<void>;
  /** Called once initdb runs: loads the code the rest of the start needs while initdb works. */
  whileInitdbRuns?: () => void;
  /** Applies the owner's (and the superuser's) passwords. */
  applyPasswords: (pool: Pool) => Promise<void>;
  /** Closes the manager's own sessions before postgres is stopped. */
  closeConnections: () => Promise<void>;
  /** Where the postInit*SQLRefs are read (the spec source's Secrets and ConfigMaps). */
  sqlRefs: SqlRefReader;
  /** Variables added to postgres's environment (image-volume extensions' LD_LIBRARY_PATH and PATH). */
  extraEnv?: Readonly<Record<string, string>>;
  /** <controller>/external, where the import source's passfile and TLS files are (reconcile writes them). */
  externalDir: string;
  /** spec.walStorage: pg_wal's own folder. */
  pgWal?: string;
  /** spec.postgresql.extensions is not empty: initdb's major must be 18 or later. */
  extensions?: boolean;
  /** synchronizeLogicalDecoding is on: initdb's major must be 17 or later. */
  logicalDecodingSync?: boolean;
}

/** Runs the step; resolves with the running, bootstrapped postmaster. On abort or failure postgres is stopped. */
export async function runInitStep(o: InitStepOptions, signal: AbortSignal): Promise<Postmaster> {
  const log = child(o.root, 'bootstrap');
  let state = await inspectPgData(o.pgData);
  const phase = state === 'bootstrap-pending' ? await readMarker(o.pgData) : undefined;
  if (phase === 'snapshot') throw new ManagerError('PGDATA', `PGDATA ${o.pgData} holds a recovery from a volume snapshot that did not finish: run \`instance restoresnapshot\` again`);
  if (phase === 'initdb' || phase === 'recovery') {
    log.warn({ pgdata: o.pgData }, 'the first start was interrupted before PGDATA was on disk and before anyone could log in: creating it again');
    await discard(o, log);
    state = 'missing';
  } else if (phase) {
    log.warn({ pgdata: o.pgData, phase }, 'the first start was interrupted after the bootstrap SQL: finishing it');
  }
  const fresh = state === 'missing' || state === 'empty';
  if (fresh) await Promise.all([runInitdb({ pgBin: o.pgBin, pgData: o.pgData, pgWal: o.pgWal, spec: o.spec, extensions: o.extensions, logicalDecodingSync: o.logicalDecodingSync, registry: o.registry, root: o.root, signal, onSpawned: o.whileInitdbRuns }), o.beside]);
  else await o.beside;
  // A new PGDATA must archive into an empty archive: the first archive attempt checks while this file exists.
  // eslint-disable-next-line security/detect-non-literal-fs-filename -- PGDATA/.check-empty-wal-archive
  if (fresh) await writeFile(join(o.pgData, PGDATA_FILES.checkEmptyWalArchive), '', { mode: 0o600 });
  signal.throwIfAborted();
  await o.writeFiles();
  const pm = await startOrAdoptPostmaster({ ...o, log });
  // initdb ran with --no-sync: the same walk runs beside postgres's start-up (for a bootstrap being finished,
  // it is cheap insurance that what the marker says is on disk really is).
  const synced = startDataDirectorySync({ pgBin: o.pgBin, pgData: o.pgData, registry: o.registry, log: namedLogger(o.root, 'initdb') });
  void o.db.load();
  try {
    await waitUntilReady(pm, o.pgData, o.budget().startDelay * 1000, signal);
    await o.db.load();
    const { runBootstrapSql } = await import('./bootstrap-sql.js');
    // Every ref is read before any SQL runs: a missing Secret, ConfigMap or key fails the bootstrap first.
    const refs = fresh ? await (await import('./sql-refs.js')).resolveSqlRefs(o.sqlRefs, o.spec) : undefined;
    await runBootstrapSql({ target: o.db.target, spec: o.spec, log, postInitLists: fresh, ...(refs ? { refs } : {}) });
    const imp = o.spec.import;
    if (fresh && imp !== undefined) {
      // Still under the `initdb` marker: a failed or interrupted import is thrown away by the next start.
      const { runLogicalImport } = await import('./logical-import.js');
      await runLogicalImport({ ...o, spec: { ...o.spec, import: imp }, target: { ...o.db.target, socketDir: o.socketDir }, log: namedLogger(o.root, 'import'), signal });
    }
    await synced;
    await writeMarker(o.pgData, 'bootstrapped');
    signal.throwIfAborted();
    // The owner can log in once the bootstrap is done, not only after the first reconcile.
    await o.applyPasswords(o.db.pool());
    await clearMarker(o.pgData);
    log.info({ pgdata: o.pgData }, 'bootstrap complete');
    return pm;
  } catch (err) {
    await synced.catch(() => undefined);
    const mode = await stopPostmaster(pm, { ...o.budget(), log, closeConnections: o.closeConnections });
    log.info({ mode }, 'postmaster stopped');
    if (signal.aborted) throw new ManagerError('BOOTSTRAP', 'the bootstrap was interrupted; the next start finishes or redoes it', { cause: err });
    throw err;
  }
}

// A PGDATA that never reached the disk holds nothing of anyone's: it goes aside under initdb's temporary
// name (removed with the other leftovers if this is interrupted too) and is removed.
async function discard(o: InitStepOptions, log: Logger): Promise<void> {
  // A postmaster of it may still run (the manager before was killed): stop it first (pidfile.ts checks it is ours).
  const pidFile = await inspectPidFile(o.pgData);
  if (pidFile.kind === 'live') {
    await stopPostmaster(adoptPostmaster(pidFile.pid), { smartShutdownTimeout: 0, stopDelay: o.budget().stopDelay, log, closeConnections: o.closeConnections });
  }
  const aside = join(dirname(o.pgData), `${initdbTempPrefix(o.pgData)}discarded-${randomBytes(4).toString('hex')}`);
  // Its WAL folder and tablespace folders (a restore's) were never used either: they go with it.
  const linked = await linkedFolders(o.pgData);
  // eslint-disable-next-line security/detect-non-literal-fs-filename -- PGDATA -> a sibling of ours
  await rename(o.pgData, aside);
  for (const folder of linked) await rm(folder, { recursive: true, force: true });
  await rm(aside, { recursive: true, force: true });
}
