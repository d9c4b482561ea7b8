// Where a bootstrap recovery reads from, and which backup (CNPG pkg/management/postgres/restore.go
// checkBackupDestination / loadBackup, barman-cloud pkg/catalog FindBackupInfo): a Backup object by name
// (its status has the place and the backupId), or an externalClusters[] barmanObjectStore whose catalog is
// listed and searched for the newest backup that can reach the target.
import { ManagerError } from '../errors.js';
import { Fields } from '../spec/fields.js';
import type { Cluster, RecoverySpec } from '../spec/cluster.js';
import type { ChildRegistry } from '../supervisor/child-registry.js';
import { backupListArgs, checkWalArchiveArgs, walRestoreArgs } from '../barman/barman-argv.js';
import { chooseBackup, isDone, parseBackupList, type BackupTablespace } from '../barman/barman-catalog.js';
import { BarmanError, credentialEnv, runBarman, type SecretReader } from '../barman/barman-run.js';
import { clusterObjectStore, readObjectStore, type ObjectStore } from '../barman/object-store.js';
import { shellQuote } from '../config/manager-command.js';

/** Reads a Backup object (file or API), undefined when it does not exist. */
export type BackupLookup = (name: string) => Promise<Record<string, unknown> | undefined>;

export interface FoundBackup {
  store: ObjectStore;
  backupId: string;
  endTime?: string;
  /** From the catalog; absent when the backup was chosen by a Backup object (read with backup-show). */
  tablespaces?: BackupTablespace[];
}

/**
 * The new cluster's own archive must be empty: two clusters archiving into one place overwrite each other's
 * WAL (cloudnative-pg#6137, #6470). Checked before anything is downloaded, with what to change in the error.
 */
export async function checkOwnArchiveEmpty(cluster: Cluster, getSecret: SecretReader, registry: ChildRegistry, signal: AbortSignal, caDir: string): Promise<void> {
  const own = clusterObjectStore(cluster);
  if (!own) return;
  try {
    await runBarman('barman-cloud-check-wal-archive', checkWalArchiveArgs(own), { registry, env: await credentialEnv(own, getSecret, caDir), timeoutMs: 120_000, signal });
  } catch (err) {
    if (err instanceof BarmanError && err.exitCode === 1) {
      throw new ManagerError('RECOVERY', `spec.backup.barmanObjectStore (${own.destinationPath}, server ${own.serverName}) already holds WAL: a recovered cluster must archive into an empty place, or it would mix its WAL with another cluster's. Set another spec.backup.barmanObjectStore.serverName (or destinationPath)`, { cause: err });
    }
    throw new ManagerError('RECOVERY', `could not check that spec.backup.barmanObjectStore is empty: ${(err as Error).message}`, { cause: err });
  }
}

/** The object store of externalClusters entry `source`. */
export function sourceStore(cluster: Cluster, source: string): ObjectStore {
  const spec = Fields.of(cluster.raw.spec, 'spec');
  const list = spec.objectList('externalClusters') ?? [];
  const index = list.findIndex((e) => e.string('name') === source);
  const entry = list.at(index);
  if (!entry) throw new ManagerError('RECOVERY', `spec.bootstrap.recovery.source: no externalClusters entry "${source}"`);
  return readObjectStore(entry.get('barmanObjectStore'), `spec.externalClusters[${index}].barmanObjectStore`, source);
}

/** The backup to restore, from a Backup object or the source's catalog; a clear error when none can reach the target. */
export async function findRecoveryBackup(cluster: Cluster, recovery: RecoverySpec, d: { getSecret: SecretReader; readBackup: BackupLookup; registry: ChildRegistry; signal: AbortSignal; caDir: string }): Promise<FoundBackup> {
  if (recovery.backup !== undefined) {
    const backup = await d.readBackup(recovery.backup);
    if (!backup) throw new ManagerError('RECOVERY', `spec.bootstrap.recovery.backup: Backup "${recovery.backup}" does not exist`);
    const status = (backup.status ?? {}) as Record<string, unknown>;
    // CNPG restores a volumeSnapshot Backup named here from its VolumeSnapshots; that path is not built: say what is.
    if (status.method === 'volumeSnapshot') {
      throw new ManagerError('RECOVERY', `spec.bootstrap.recovery.backup: Backup "${recovery.backup}" is a volumeSnapshot backup, whose recovery through backup.name is not built: name its snapshots in spec.bootstrap.recovery.volumeSnapshots instead (storage: ${recovery.backup}; walStorage: ${recovery.backup}-wal, tablespaceStorage as its snapshotBackupStatus.elements list them)`);
    }
    if (status.phase !== 'completed' || typeof status.backupId !== 'string' || typeof status.destinationPath !== 'string') {
      throw new ManagerError('RECOVERY', `spec.bootstrap.recovery.backup: Backup "${recovery.backup}" is not a completed backup (phase ${typeof status.phase === 'string' ? status.phase : 'none'})`);
    }
    const { destinationPath, serverName, endpointURL, s3Credentials, azureCredentials, endpointCA } = status;
    const store = readObjectStore({ destinationPath, serverName, endpointURL, s3Credentials, azureCredentials, endpointCA }, `Backup ${recovery.backup} status`, cluster.name);
    const found = { backupId: status.backupId, endTime: typeof status.stoppedAt === 'string' ? status.stoppedAt : undefined };
    if (s3Credentials !== undefined || azureCredentials !== undefined) return { store, ...found };
    // A Backup written before its status carried the Secret references: the credentials of the cluster's own store.
    const own = clusterObjectStore(cluster);
    return { store: { ...store, credentials: own?.credentials ?? {}, cloudProvider: own?.cloudProvider ?? store.cloudProvider }, ...found };
  }
  const store = sourceStore(cluster, recovery.source ?? '');
  const env = await credentialEnv(store, d.getSecret, d.caDir);
  const backups = parseBackupList(await runBarman('barman-cloud-backup-list', backupListArgs(store), { registry: d.registry, env, timeoutMs: 120_000, signal: d.signal }));
  const t = recovery.recoveryTarget ?? {};
  const chosen = chooseBackup(backups, { backupID: t.backupID, targetTime: t.targetTime ? new Date(t.targetTime) : undefined, targetLSN: t.targetLSN, targetTLI: t.targetTLI });
  if (!chosen) {
    const done = backups.filter(isDone);
    const first = done[0]?.endTime?.toISOString();
    const where = `${store.destinationPath} (server ${store.serverName})`;
    const why = t.backupID !== undefined
      ? `no completed backup with backupID ${t.backupID}`
      : t.targetTime !== undefined
        ? `no completed backup ended at or before targetTime ${t.targetTime}`
        : t.targetLSN !== undefined
          ? `no completed backup ended before targetLSN ${t.targetLSN}`
          : 'no completed backup';
    throw new ManagerError('RECOVERY', `cannot recover: ${why} in ${where}${first ? `; the first recoverability point is ${first}` : ''}`);
  }
  return { store, backupId: chosen.backupId, endTime: chosen.endTime?.toISOString(), tablespaces: chosen.tablespaces ?? [] };
}

/**
 * restore_command during the bootstrap recovery: barman-cloud-wal-restore itself, with the source's
 * credentials in postgres's environment (set by the recovery step, readable only by the postgres user).
 * Not yet the manager's `wal-restore %f %p`: its local channel serves only the cluster's own store, not the
 * recovery source's, so parallel restore (wal.maxParallel, cloudnative-pg#3459) does not apply here yet.
 */
export function restoreCommand(store: ObjectStore): string {
  const bin = `${process.env.BARMAN_BIN ?? '/usr/bin'}/barman-cloud-wal-restore`;
  return [bin, ...walRestoreArgs(store, '%f', '%p')].map((w) => (w === '%f' || w === '%p' ? w : shellQuote(w))).join(' ');
}
