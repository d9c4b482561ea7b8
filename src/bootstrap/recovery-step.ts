// `instance restore` as a one-shot step (CNPG internal/cmd/manager/instance/restore, pkg/management/postgres/
// restore.go): check that the new cluster's own archive is empty, choose the backup that can reach the target,
// barman-cloud-restore it into a temporary folder, write the recovery settings, start postgres, wait until
// the target is reached and postgres promoted, stop it, and clear the recovery settings. The restored folder
// carries the `recovery` marker from before its rename into place until the promotion: a recovery that
// failed or was interrupted is thrown away by the next start, never started as a half-recovered cluster.
import { rename, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { ManagerError } from '../errors.js';
import { child, type Logger } from '../log/logger.js';
import type { RecoverySpec, VolumeSnapshotsSpec } from '../spec/cluster.js';
import { backupShowArgs, restoreArgs } from '../barman/barman-argv.js';
import { parseBackupShow } from '../barman/barman-catalog.js';
import { placeExtras, removeTemps, tempSibling, type ExtraFolder } from './extra-folders.js';
import { copySnapshots } from './snapshot-copy.js';
import { finishRestoreFolders, planRestoreFolders } from './restore-folders.js';
import { credentialEnv, runBarman } from '../barman/barman-run.js';
import { writeMarker } from './bootstrap-marker.js';
import { checkOwnArchiveEmpty, findRecoveryBackup, restoreCommand, type BackupLookup } from './recovery-source.js';
import { finishRecovery, snapshotWalSource, type RecoveryFinishOptions, type Restored } from './recovery-finish.js';

export interface RecoveryStepOptions extends RecoveryFinishOptions {
  /** Reads a Backup object's status (recovery.backup.name). */
  readBackup: BackupLookup;
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
  await finishRecovery(o, restored, log, signal);
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
    // Kubernetes: the PVCs are made from the VolumeSnapshots by the operator; the snapshot-recovery Job runs
    // `instance restoresnapshot` on them (restoresnapshot-step.ts), never this copy of snapshot folders.
    throw new ManagerError('USAGE', 'spec.bootstrap.recovery.volumeSnapshots in Kubernetes: run `instance restoresnapshot` (CNPG\'s snapshot-recovery Job) on the PVCs made from the VolumeSnapshots; `instance restore` and `instance run` copy snapshot folders only in the embedded default (--volume-snapshots-dir)');
  }
  const restored = await snapshotWalSource(o, source, signal);
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
  return restored;
}
