// One base backup at a time with barman-cloud-backup (CNPG pkg/management/postgres/backup.go): the request
// is answered once the Backup is `running` (archiving checked, the tool started), and the tool runs on in the
// background; its end is written to the Backup (`completed` with barman's catalog entry, or `failed` with the
// error) and to the Cluster (lastSuccessfulBackup / lastFailedBackup, condition LastBackupSucceeded). The
// catalog upkeep (retention, recoverability window) runs after it whatever the outcome (maintenance.ts).
import { ManagerError, describeError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { Cluster } from '../spec/cluster.js';
import type { ChildRegistry } from '../supervisor/child-registry.js';
import type { Client } from '../db/pool.js';
import { ensureArchivingWorks } from '../db/archiver-check.js';
import { backupArgs, backupShowArgs, barmanBackupName } from '../barman/barman-argv.js';
import { parseBackupShow } from '../barman/barman-catalog.js';
import { credentialEnv, runBarman, type SecretReader } from '../barman/barman-run.js';
import { clusterObjectStore, type ObjectStore } from '../barman/object-store.js';
import type { StatusPatch } from '../model/objects.js';
import type { BackupTimes } from '../model/instance-state.js';
import type { BackupObjects, BackupStatus } from './backup-objects.js';
import { backupCondition } from './backup-conditions.js';

export interface BackupRunnerDeps {
  cluster: () => Cluster;
  getSecret: SecretReader;
  registry: ChildRegistry;
  /** Where barman connects: the socket directory and port of the local postmaster. */
  socketDir: string;
  port: number;
  podName: string;
  withDb: <T>(fn: (c: Client) => Promise<T>) => Promise<T>;
  objects: BackupObjects;
  patchCluster: (patch: StatusPatch) => Promise<void>;
  /** The catalog upkeep after each backup (retention, recoverability window); never throws. */
  afterBackup: () => Promise<void>;
  /** Where the metrics read the last failure's time. */
  times: BackupTimes;
  log: Logger;
  /** How long archiving may take to show it works (CNPG: 10 tries, 60 s apart). */
  archiveCheckMs?: number;
  /** Deadline of barman-cloud-backup itself. */
  backupTimeoutMs?: number;
  /** Aborts a running backup (the manager stops). */
  signal: AbortSignal;
}

/** A backup requested while another runs: the caller answers 409 (CNPG answers the same for a second /pg/backup). */
export class BackupBusyError extends ManagerError {
  constructor(running: string) {
    super('BACKUP', `backup "${running}" is still running: one backup at a time; retry once it has finished`);
    this.name = 'BackupBusyError';
  }
}

/** Runs barman-cloud-backup for Backup objects, one at a time. */
export class BackupRunner {
  #running: { name: string; done: Promise<void> } | undefined;

  constructor(private readonly d: BackupRunnerDeps) {}

  /** The Backup being taken now, if any. */
  get running(): string | undefined {
    return this.#running?.name;
  }

  /** Resolves when the current backup (if any) has finished; for shutdown and tests. */
  async idle(): Promise<void> {
    await this.#running?.done;
  }

  /**
   * Starts Backup `name`: resolves with barman's backup name once it runs; rejects (and marks the Backup
   * failed or walArchivingFailing) when it cannot start. A second request while one runs is refused.
   */
  async start(name: string): Promise<string> {
    if (this.#running) throw new BackupBusyError(this.#running.name);
    const cluster = this.d.cluster();
    const store = clusterObjectStore(cluster);
    if (!store) throw new ManagerError('BACKUP', 'spec.backup.barmanObjectStore is not set: nowhere to take a backup to');
    const barmanName = barmanBackupName(new Date());
    let release: () => void = () => undefined;
    this.#running = { name, done: new Promise<void>((r) => (release = r)) };
    try {
      await this.d.objects.patch(name, {
        phase: 'running',
        method: 'barmanObjectStore',
        backupName: barmanName,
        destinationPath: store.destinationPath,
        serverName: store.serverName,
        ...(store.endpointURL ? { endpointURL: store.endpointURL } : {}),
        ...(store.data.encryption ? { encryption: store.data.encryption } : {}),
        ...storeReferences(cluster),
        instanceID: { podName: this.d.podName },
        error: null,
      });
      try {
        await this.d.withDb((c) => ensureArchivingWorks(c, this.d.archiveCheckMs ?? 60_000, this.d.signal));
      } catch (err) {
        await this.#failed(name, 'walArchivingFailing', err);
        throw new ManagerError('BACKUP', `backup "${name}": ${describeError(err)}`, { cause: err });
      }
      const env = { ...(await credentialEnv(store, this.d.getSecret, this.d.socketDir)), PGHOST: this.d.socketDir, PGPORT: String(this.d.port) };
      this.d.log.info({ backup: name, backupName: barmanName, destinationPath: store.destinationPath, serverName: store.serverName }, 'backup starting');
      await this.#patchCluster(cluster, {}, backupCondition('started'));
      void this.#take(name, barmanName, store, env).finally(() => {
        this.#running = undefined;
        release();
      });
      return barmanName;
    } catch (err) {
      this.#running = undefined;
      release();
      throw err;
    }
  }

  async #take(name: string, barmanName: string, store: ObjectStore, env: Record<string, string | undefined>): Promise<void> {
    const run = { registry: this.d.registry, env, signal: this.d.signal };
    try {
      await runBarman('barman-cloud-backup', backupArgs(store, barmanName, { host: this.d.socketDir, port: this.d.port }), { ...run, timeoutMs: this.d.backupTimeoutMs ?? 24 * 3600_000 });
      const shown = parseBackupShow(await runBarman('barman-cloud-backup-show', backupShowArgs(store, barmanName), { ...run, timeoutMs: 120_000 }));
      const status: BackupStatus = {
        phase: 'completed',
        backupId: shown.backupId,
        backupName: shown.backupName ?? barmanName,
        beginWal: shown.beginWal,
        endWal: shown.endWal,
        beginLSN: shown.beginLSN,
        endLSN: shown.endLSN,
        startedAt: shown.beginTime?.toISOString(),
        stoppedAt: shown.endTime?.toISOString(),
        reconciliationTerminatedAt: new Date().toISOString(),
      };
      await this.d.objects.patch(name, status);
      this.d.log.info({ backup: name, backupId: shown.backupId, beginWal: shown.beginWal, endWal: shown.endWal }, 'backup completed');
      await this.#patchCluster(this.d.cluster(), { lastSuccessfulBackup: shown.endTime?.toISOString() }, backupCondition('succeeded'));
    } catch (err) {
      await this.#failed(name, 'failed', err);
    } finally {
      await this.d.afterBackup();
    }
  }

  async #failed(name: string, phase: 'failed' | 'walArchivingFailing', err: unknown): Promise<void> {
    const message = describeError(err);
    this.d.log.error({ backup: name, phase, err: message }, 'backup failed');
    this.d.times.lastFailedBackup = Date.now();
    try {
      await this.d.objects.patch(name, { phase, error: message, reconciliationTerminatedAt: new Date().toISOString() });
      await this.#patchCluster(this.d.cluster(), { lastFailedBackup: new Date().toISOString() }, backupCondition('failed', message));
    } catch (patchErr) {
      this.d.log.error({ backup: name, err: describeError(patchErr) }, 'could not write the backup failure to the status');
    }
  }

  // status.conditions is a list that a merge patch replaces whole: the list as last read, ours upserted.
  async #patchCluster(cluster: Cluster, patch: StatusPatch, conditions: (c: Cluster) => Record<string, unknown>[] | undefined): Promise<void> {
    const list = conditions(cluster);
    await this.d.patchCluster(list ? { ...patch, conditions: list } : patch);
  }
}

// The Secret references of the store (CNPG copies BarmanCredentials and EndpointCA into the Backup status):
// a recovery from this Backup object reads the backup with them, whatever the new cluster's own store is.
function storeReferences(cluster: Cluster): Record<string, unknown> {
  const spec = cluster.raw.spec as { backup?: { barmanObjectStore?: Record<string, unknown> } } | undefined;
  const store = spec?.backup?.barmanObjectStore ?? {};
  const out: Record<string, unknown> = {};
  for (const key of ['s3Credentials', 'azureCredentials', 'endpointCA'] as const) {
    const value = store[key]; // eslint-disable-line security/detect-object-injection -- fixed keys
    if (typeof value === 'object' && value !== null) out[key] = value; // eslint-disable-line security/detect-object-injection -- fixed keys
  }
  return out;
}
