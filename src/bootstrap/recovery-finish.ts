// The end every bootstrap recovery shares (CNPG pkg/management/postgres/restore.go concludeRestore and
// ConfigureInstanceAfterRestore), once PGDATA holds the restored files: `instance restore` (recovery-step.ts,
// from an object store or the embedded default's snapshot folders) and `instance restoresnapshot`
// (restoresnapshot-step.ts, PVCs the operator made from VolumeSnapshots). A replica cluster is left a standby of
// its source; otherwise the recovery settings are written, postgres replays to the target and promotes, and is
// stopped with the settings cleared and the bootstrap marker removed.
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ManagerError, describeError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { LazyDb } from '../db/lazy-db.js';
import type { Cluster } from '../spec/cluster.js';
import { isReplicaCluster } from '../spec/replica-mode.js';
import type { ChildRegistry } from '../supervisor/child-registry.js';
import { waitUntilReady, type Postmaster } from '../supervisor/postmaster.js';
import { startOrAdoptPostmaster } from '../supervisor/start-postmaster.js';
import { stopPostmaster, type StopBudget } from '../supervisor/stop.js';
import { parseControlData, readControlData } from '../supervisor/controldata.js';
import { credentialEnv, type SecretReader } from '../barman/barman-run.js';
import { HOT_STANDBY_SETTINGS, renderRecoveryConf } from '../pgfiles/recovery-conf.js';
import { PGDATA_FILES } from '../config/constants.js';
import { clearMarker } from './bootstrap-marker.js';
import { checkOwnArchiveEmpty, restoreCommand, sourceStore } from './recovery-source.js';
import { waitForPromotion } from './recovery-wait.js';

export interface RecoveryFinishOptions {
  pgBin: string;
  pgData: string;
  socketDir: string;
  cluster: Cluster;
  registry: ChildRegistry;
  root: Logger;
  db: LazyDb;
  budget: () => StopBudget & { startDelay: number };
  getSecret: SecretReader;
  /** Writes the configuration files into PGDATA (override.conf emptied). */
  writeFiles: () => Promise<void>;
  beside: Promise<void>;
  closeConnections: () => Promise<void>;
}

export interface Restored {
  /** The source's credentials, for postgres's environment during the recovery. */
  env: Record<string, string>;
  /** restore_command, when WAL comes from an object store. */
  restoreCommand?: string;
}

/** For a snapshot recovery: checks the own archive is empty; WAL from `source`'s object store when one is named. */
export async function snapshotWalSource(o: RecoveryFinishOptions, source: string | undefined, signal: AbortSignal): Promise<Restored> {
  await checkOwnArchiveEmpty(o.cluster, o.getSecret, o.registry, signal, o.socketDir);
  const store = source === undefined ? undefined : sourceStore(o.cluster, source);
  if (!store) return { env: {} };
  return { env: await credentialEnv(store, o.getSecret, o.socketDir), restoreCommand: restoreCommand(store) };
}

/** Runs postgres through the recovery of the restored PGDATA (or leaves a replica cluster a standby). */
export async function finishRecovery(o: RecoveryFinishOptions, restored: Restored, log: Logger, signal: AbortSignal): Promise<void> {
  const recovery = o.cluster.spec.bootstrap.recovery;
  if (!recovery) throw new ManagerError('RECOVERY', 'spec.bootstrap.recovery is not set');
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

