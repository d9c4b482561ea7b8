// One base backup at a time with barman-cloud-backup (CNPG pkg/management/postgres/backup.go): the request
// is answered once the Backup is `running` (archiving checked, the tool started), and the tool runs on in the
// background; its end is written to the Backup (`completed` with barman's catalog entry, or `failed` with the
// error) and to the Cluster (lastSuccessfulBackup / lastFailedBackup, condition LastBackupSucceeded). The
// catalog upkeep (retention, recoverability window) runs after that whatever the outcome (maintenance.ts),
// once the next backup may already start. Nothing the manager does is added in series with barman where it
// can overlap: the `running` patch, the archiving check and the credentials go together, the Cluster's
// condition is written while barman starts, and the catalog entry is barman's backup.info read in-process
// (store-catalog.ts) rather than by barman-cloud-backup-show, which stays for the stores it cannot read.
import { ManagerError, describeError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { Cluster } from '../spec/cluster.js';
import type { ChildRegistry } from '../supervisor/child-registry.js';
import type { Client } from '../db/pool.js';
import { ensureArchivingWorks } from '../db/archiver-check.js';
import { backupArgs, backupShowArgs, barmanBackupName } from '../barman/barman-argv.js';
import { parseBackupShow, type CatalogBackup } from '../barman/barman-catalog.js';
import { credentialEnv, runBarman, type BarmanRunOptions, type SecretReader } from '../barman/barman-run.js';
import { clusterObjectStore, type ObjectStore } from '../barman/object-store.js';
import type { StatusPatch } from '../model/objects.js';
import type { BackupTimes } from '../model/instance-state.js';
import type { BackupObjects, BackupStatus } from './backup-objects.js';
import { backupCondition } from './backup-conditions.js';
import type { CatalogReader } from './store-catalog.js';

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
  /** Reads the finished backup's catalog entry in-process; without it (or when it cannot) barman-cloud-backup-show does. */
  catalog?: CatalogReader;
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
  #upkeep: Promise<void> = Promise.resolve();

  constructor(private readonly d: BackupRunnerDeps) {}

  /** The Backup being taken now, if any. */
  get running(): string | undefined {
    return this.#running?.name;
  }

  /** Resolves when the current backup (if any) and the upkeep after it have finished; for shutdown and tests. */
  async idle(): Promise<void> {
    await this.#running?.done;
    await this.#upkeep;
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
      // The archiving check and the credentials do not depend on the `running` patch: all three at once. A
      // failure is written only after that patch (one Backup file, read-modify-write).
      const running = this.d.objects.patch(name, {
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
      const checked = settle(this.d.withDb((c) => ensureArchivingWorks(c, this.d.archiveCheckMs ?? 60_000, this.d.signal)));
      const credentials = settle(credentialEnv(store, this.d.getSecret, this.d.socketDir));
      await running;
      const check = await checked;
      if (!check.ok) {
        await this.#failed(name, 'walArchivingFailing', check.error);
        throw new ManagerError('BACKUP', `backup "${name}": ${describeError(check.error)}`, { cause: check.error });
      }
      const creds = await credentials;
      if (!creds.ok) throw creds.error;
      const env = { ...creds.value, PGHOST: this.d.socketDir, PGPORT: String(this.d.port) };
      this.d.log.info({ backup: name, backupName: barmanName, destinationPath: store.destinationPath, serverName: store.serverName }, 'backup starting');
      // The Cluster's condition is written while barman starts, and before any outcome of it is. Its failure
      // does not stop a backup that runs already: the outcome's patches come later.
      const started = this.#patchCluster(cluster, {}, backupCondition('started')).catch((err: unknown) => {
        this.d.log.warn({ backup: name, err: describeError(err) }, 'could not write the backup start to the Cluster status');
      });
      void this.#take(name, barmanName, store, env, started).finally(() => {
        this.#running = undefined;
        release();
      });
      await started;
      return barmanName;
    } catch (err) {
      this.#running = undefined;
      release();
      throw err;
    }
  }

  async #take(name: string, barmanName: string, store: ObjectStore, env: Record<string, string | undefined>, started: Promise<void>): Promise<void> {
    const run = { registry: this.d.registry, env, signal: this.d.signal };
    try {
      const tool = runBarman('barman-cloud-backup', backupArgs(store, barmanName, { host: this.d.socketDir, port: this.d.port }), { ...run, timeoutMs: this.d.backupTimeoutMs ?? 24 * 3600_000 });
      await Promise.all([tool, started]);
      const shown = await this.#catalogEntry(store, barmanName, run);
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
      await started;
      await this.#failed(name, 'failed', err);
    }
    // The upkeep follows the report, and does not hold the next backup (maintenance runs one at a time).
    this.#upkeep = this.d.afterBackup().catch(() => undefined);
  }

  // barman's entry of the backup just taken: its backup.info read in-process, else barman-cloud-backup-show
  // (a Python process) where the in-process client cannot go (silently) or failed to find it (a warning).
  async #catalogEntry(store: ObjectStore, barmanName: string, run: Omit<BarmanRunOptions, 'timeoutMs'>): Promise<CatalogBackup> {
    if (this.d.catalog) {
      try {
        const found = await this.d.catalog.findByName(this.d.cluster(), barmanName);
        if (found) return found;
      } catch (err) {
        this.d.log.warn({ backupName: barmanName, err: describeError(err) }, 'could not read backup.info in-process: asking barman-cloud-backup-show');
      }
    }
    return parseBackupShow(await runBarman('barman-cloud-backup-show', backupShowArgs(store, barmanName), { ...run, timeoutMs: 120_000 }));
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

type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

// A promise that never rejects, so one started early leaves no unhandled rejection while others are awaited.
function settle<T>(p: Promise<T>): Promise<Settled<T>> {
  return p.then((value) => ({ ok: true as const, value }), (error: unknown) => ({ ok: false as const, error }));
}
