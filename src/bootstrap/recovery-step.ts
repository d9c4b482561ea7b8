// `instance restore` as a one-shot step (CNPG internal/cmd/manager/instance/restore, pkg/management/postgres/
// restore.go): check that the new cluster's own archive is empty, choose the backup that can reach the target,
// barman-cloud-restore it into a temporary folder, write the recovery settings, start postgres, wait until
// the target is reached and postgres promoted, stop it, and clear the recovery settings. The restored folder
// carries the `recovery` marker from before its rename into place until the promotion: a recovery that
// failed or was interrupted is thrown away by the next start, never started as a half-recovered cluster.
import { rename, rm, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { ManagerError, describeError } from '../errors.js';
import { child, type Logger } from '../log/logger.js';
import type { LazyDb } from '../db/lazy-db.js';
import type { Cluster, RecoverySpec, VolumeSnapshotsSpec } from '../spec/cluster.js';
import { isReplicaCluster } from '../spec/replica-mode.js';
import type { ChildRegistry } from '../supervisor/child-registry.js';
import { waitUntilReady, type Postmaster } from '../supervisor/postmaster.js';
import { startOrAdoptPostmaster } from '../supervisor/start-postmaster.js';
import { stopPostmaster, type StopBudget } from '../supervisor/stop.js';
import { parseControlData, readControlData } from '../supervisor/controldata.js';
import { backupShowArgs, restoreArgs } from '../barman/barman-argv.js';
import { parseBackupShow } from '../barman/barman-catalog.js';
import { placeExtras, removeTemps, tempSibling, type ExtraFolder } from './extra-folders.js';
import { copySnapshots } from './snapshot-copy.js';
import { finishRestoreFolders, planRestoreFolders } from './restore-folders.js';
import { credentialEnv, runBarman, type SecretReader } from '../barman/barman-run.js';
import { HOT_STANDBY_SETTINGS, renderRecoveryConf } from '../pgfiles/recovery-conf.js';
import { PGDATA_FILES } from '../config/constants.js';
import { clearMarker, writeMarker } from './bootstrap-marker.js';
import { checkOwnArchiveEmpty, findRecoveryBackup, restoreCommand, sourceStore, type BackupLookup } from './recovery-source.js';
import { waitForPromotion } from './recovery-wait.js';

export interface RecoveryStepOptions {
  pgBin: string;
  pgData: string;
  socketDir: string;
  cluster: Cluster;
  registry: ChildRegistry;
  root: Logger;
  db: LazyDb;
  budget: () => StopBudget & { startDelay: number };
  getSecret: SecretReader;
  /** Reads a Backup object's status (recovery.backup.name). */
  readBackup: BackupLookup;
  /** Writes the configuration files into PGDATA (override.conf emptied). */
  writeFiles: () => Promise<void>;
  beside: Promise<void>;
  closeConnections: () => Promise<void>;
  /** spec.walStorage: pg_wal's own folder. */
  pgWal?: string;
  /** Tablespace <name> is restored into <tablespacesDir>/<name>/data. */
  tablespacesDir: string;
  /** Embedded default: VolumeSnapshot <name> is the folder <snapshotsDir>/<name> (snapshot-copy.ts). */
  snapshotsDir?: string;
}

/** Runs the step; resolves once PGDATA holds the recovered, promoted cluster and postgres is stopped. */
export async function runRecoveryStep(o: RecoveryStepOptions, signal: AbortSignal): Promise<void> {
  const log = child(o.root, 'recovery');
  const recovery = o.cluster.spec.bootstrap.recovery;
  if (!recovery) throw new ManagerError('RECOVERY', 'spec.bootstrap.recovery is not set');
  const restored = recovery.volumeSnapshots ? await fromSnapshots(o, recovery.volumeSnapshots, recovery.source, log, signal) : await fromBackup(o, recovery, log, signal);
  const env = restored.env;
  await o.beside;
  signal.throwIfAborted();
  if (isReplicaCluster(o.cluster)) {
    // A replica cluster's designated primary does not promote (CNPG restore.go: "replica cluster -> standby
    // override.conf to the external source, done"): standby.signal, then the files, whose override.conf follows
    // the source (restore_command from its store, primary_conninfo when it has one); the lifecycle starts it.
    // With its own store it archives what it replays (archive_mode = always), first checking that store is
    // still empty, as CNPG's concludeRestore leaves the empty-archive flag.
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- PGDATA/standby.signal
    await writeFile(join(o.pgData, 'standby.signal'), '', { mode: 0o600 });
    if (o.cluster.spec.backup?.barmanObjectStore === undefined) await rm(join(o.pgData, PGDATA_FILES.checkEmptyWalArchive), { force: true });
    else await writeFile(join(o.pgData, PGDATA_FILES.checkEmptyWalArchive), '', { mode: 0o600 }); // eslint-disable-line security/detect-non-literal-fs-filename -- PGDATA
    await o.writeFiles();
    await clearMarker(o.pgData);
    log.info({ source: o.cluster.spec.replica?.source }, 'backup restored for a replica cluster: starting as a standby of the source');
    return;
  }
  await o.writeFiles();
  const control = parseControlData((await readControlData(o.pgBin, o.pgData, o.registry)).text);
  const hotStandby: Record<string, string> = {};
  for (const [field, guc] of HOT_STANDBY_SETTINGS) {
    const fromBackup = Number(control[field]); // eslint-disable-line security/detect-object-injection -- fixed names
    const fromSpec = Number(o.cluster.spec.postgresql.parameters[guc] ?? 0); // eslint-disable-line security/detect-object-injection
    if (Number.isFinite(fromBackup) && fromBackup > fromSpec) hotStandby[guc] = String(fromBackup); // eslint-disable-line security/detect-object-injection
  }
  const override = join(o.pgData, PGDATA_FILES.override);
  // eslint-disable-next-line security/detect-non-literal-fs-filename -- PGDATA/override.conf
  await writeFile(override, renderRecoveryConf({ restoreCommand: restored.restoreCommand ?? '', target: recovery.recoveryTarget, hotStandby }), { mode: 0o600 });
  // Without an archive (a snapshot and no source) there is no archive recovery: postgres replays the snapshot's
  // own pg_wal from its backup_label (crash recovery) and comes up as a primary.
  // eslint-disable-next-line security/detect-non-literal-fs-filename -- PGDATA/recovery.signal
  if (restored.restoreCommand !== undefined) await writeFile(join(o.pgData, 'recovery.signal'), '', { mode: 0o600 });
  const pm: Postmaster = await startOrAdoptPostmaster({ ...o, log, extraEnv: env });
  try {
    void o.db.load();
    await waitUntilReady(pm, o.pgData, o.budget().startDelay * 1000, signal).catch((err: unknown) => {
      throw new ManagerError('RECOVERY', `postgres stopped during the recovery (an archive gap, or a target the WAL does not reach; see the postgres log lines above): ${describeError(err)}`, { cause: err });
    });
    await o.db.load();
    await waitForPromotion({ db: o.db, pm, log, signal });
    log.info('recovery finished: postgres promoted');
  } finally {
    const mode = await stopPostmaster(pm, { ...o.budget(), log, closeConnections: o.closeConnections });
    log.info({ mode }, 'recovery postmaster stopped');
  }
  // eslint-disable-next-line security/detect-non-literal-fs-filename -- PGDATA/override.conf
  await writeFile(override, '', { mode: 0o600 });
  await clearMarker(o.pgData);
}

interface Restored {
  /** The source's credentials, for postgres's environment during the recovery. */
  env: Record<string, string>;
  /** restore_command, when WAL comes from an object store. */
  restoreCommand?: string;
}

// From an object store: barman-cloud-restore of the chosen backup into a temporary folder renamed into place.
async function fromBackup(o: RecoveryStepOptions, recovery: RecoverySpec, log: Logger, signal: AbortSignal): Promise<Restored> {
  // Two independent reads of two stores, each a Python start of barman-cloud (~0.5-2 s): side by side, and
  // both settled before either's error is thrown, so no tool is left running behind a failure.
  const [empty, chosen] = await Promise.allSettled([
    checkOwnArchiveEmpty(o.cluster, o.getSecret, o.registry, signal, o.socketDir),
    findRecoveryBackup(o.cluster, recovery, { getSecret: o.getSecret, readBackup: o.readBackup, registry: o.registry, signal, caDir: o.socketDir }),
  ]);
  if (empty.status === 'rejected') throw empty.reason;
  if (chosen.status === 'rejected') throw chosen.reason;
  const found = chosen.value;
  log.info({ backupId: found.backupId, destinationPath: found.store.destinationPath, serverName: found.store.serverName, endTime: found.endTime }, 'restoring backup');
  const env = await credentialEnv(found.store, o.getSecret, o.socketDir);
  const temp = join(dirname(o.pgData), `.restore-${randomBytes(4).toString('hex')}`);
   
  await rm(o.pgData, { recursive: true, force: true });
  const tablespaces = found.tablespaces ?? parseBackupShow(await runBarman('barman-cloud-backup-show', backupShowArgs(found.store, found.backupId), { registry: o.registry, env, timeoutMs: 120_000, signal })).tablespaces ?? [];
  const planned = await planRestoreFolders({ tablespaces, tablespacesDir: o.tablespacesDir, pgWal: o.pgWal, log });
  try {
    await runBarman('barman-cloud-restore', restoreArgs(found.store, found.backupId, temp, planned.relocations), { registry: o.registry, env, timeoutMs: 24 * 3600_000, signal });
    const extras = await finishRestoreFolders(temp, planned);
    await writeMarker(temp, 'recovery');
    await placeExtras(temp, extras);
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- temp -> PGDATA
    await rename(temp, o.pgData);
  } catch (err) {
    await rm(temp, { recursive: true, force: true });
    await removeTemps(planned.extras);
    throw err;
  }
  return { env, restoreCommand: restoreCommand(found.store) };
}

// From volume snapshots (snapshot-copy.ts): copies renamed into place; WAL from the source's store when one is named.
async function fromSnapshots(o: RecoveryStepOptions, snapshots: VolumeSnapshotsSpec, source: string | undefined, log: Logger, signal: AbortSignal): Promise<Restored> {
  if (o.snapshotsDir === undefined) {
    throw new ManagerError('NOT_IMPLEMENTED', 'spec.bootstrap.recovery.volumeSnapshots: in Kubernetes the operator restores the volumes and runs `instance restoresnapshot`, which is not built yet; only the embedded default (--volume-snapshots-dir) recovers from snapshots');
  }
  await checkOwnArchiveEmpty(o.cluster, o.getSecret, o.registry, signal, o.socketDir);
  const store = source === undefined ? undefined : sourceStore(o.cluster, source);
  const env = store ? await credentialEnv(store, o.getSecret, o.socketDir) : {};
  const temp = tempSibling(o.pgData, 'snapshot');
  log.info({ snapshot: snapshots.storage, walSnapshot: snapshots.walStorage, tablespaceSnapshots: snapshots.tablespaceStorage, snapshotsDir: o.snapshotsDir, source }, 'restoring volume snapshots');
  await rm(o.pgData, { recursive: true, force: true });
  let extras: ExtraFolder[] = [];
  try {
    extras = await copySnapshots({ snapshots, snapshotsDir: o.snapshotsDir, pgTemp: temp, tablespacesDir: o.tablespacesDir, pgWal: o.pgWal, log });
    await writeMarker(temp, 'recovery');
    await placeExtras(temp, extras);
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- temp -> PGDATA
    await rename(temp, o.pgData);
  } catch (err) {
    await rm(temp, { recursive: true, force: true });
    await removeTemps(extras);
    throw err;
  }
  return store ? { env, restoreCommand: restoreCommand(store) } : { env };
}
