// Volume-snapshot Backups in the embedded default, where the instance manager stands in for CNPG's operator
// (internal/controller/backup_controller.go reconcileSnapshotBackup, pkg/reconciler/backup/volumesnapshot/):
// the Backup is marked started (instanceID, method volumeSnapshot, backupId = backupName = the Backup's name,
// startedAt), every snapshot folder must be free, then the volumes are copied (snapshot-take.ts) and each
// temporary renamed into place, PGDATA's last; the Backup ends `completed` with snapshotBackupStatus.elements,
// online, the LSNs and WAL, or `failed` with "can't execute snapshot backup: <why>" (CNPG FlagBackupAsFailed).
// Postgres keeps running throughout an online snapshot, and is started again after an offline one.
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ManagerError, describeError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { Cluster } from '../spec/cluster.js';
import type { BackupSession } from '../db/backup-session.js';
import type { Held } from '../supervisor/postmaster-hold.js';
import type { StatusPatch } from '../model/objects.js';
import type { BackupTimes } from '../model/instance-state.js';
import type { BackupObjects } from './backup-objects.js';
import { backupCondition } from './backup-conditions.js';
import { BackupBusyError } from './backup-runner.js';
import { ensureAbsent, putInPlace, removeTemp } from './copy-volume.js';
import { effectiveSnapshotSettings, snapshotElements, type BackupSnapshotOverrides, type InstanceVolumes } from './snapshot-plan.js';
import { stage, syncStaged, takeOffline, takeOnline, type SnapshotResult, type Staged } from './snapshot-take.js';

export interface SnapshotBackupDeps {
  cluster: () => Cluster;
  volumes: (cluster: Cluster) => InstanceVolumes;
  /** `<--volume-snapshots-dir>`: snapshot NAME is the folder <dir>/NAME. */
  snapshotsDir: string;
  openSession: () => Promise<BackupSession>;
  /** Stops postgres and holds it down (the lifecycle's hold), for an offline snapshot. */
  hold: () => Promise<Held | undefined>;
  controlData: () => Promise<Record<string, string>>;
  objects: BackupObjects;
  patchCluster: (patch: StatusPatch) => Promise<void>;
  podName: string;
  sessionId: string;
  times: BackupTimes;
  log: Logger;
  /** Aborts a running snapshot (the manager stops). */
  signal: AbortSignal;
}

/** Takes volume-snapshot Backups, one at a time. */
export class SnapshotBackupRunner {
  #running: { name: string; done: Promise<void> } | undefined;

  constructor(private readonly d: SnapshotBackupDeps) {}

  /** The Backup being taken now, if any. */
  get running(): string | undefined {
    return this.#running?.name;
  }

  /** Resolves when the current snapshot (if any) has finished. */
  async idle(): Promise<void> {
    await this.#running?.done;
  }

  /**
   * Starts Backup `name`: resolves once it runs (marked started, its folders free); rejects, with the Backup
   * failed, when it cannot start. The copy goes on in the background.
   */
  async start(name: string, overrides: BackupSnapshotOverrides): Promise<void> {
    if (this.#running) throw new BackupBusyError(this.#running.name);
    let release: () => void = () => undefined;
    this.#running = { name, done: new Promise<void>((r) => (release = r)) };
    const finish = (): void => {
      this.#running = undefined;
      release();
    };
    const startedAt = new Date().toISOString();
    let staged: Staged[] = [];
    let settings: ReturnType<typeof effectiveSnapshotSettings>;
    try {
      const cluster = this.d.cluster();
      const config = cluster.spec.backup?.volumeSnapshot;
      await this.d.objects.patch(name, {
        phase: 'started',
        method: 'volumeSnapshot',
        backupId: name,
        backupName: name,
        instanceID: { podName: this.d.podName, sessionID: this.d.sessionId },
        reconciliationStartedAt: startedAt,
        startedAt,
        ...(await this.#majorVersion(cluster)),
        error: null,
      });
      // CNPG: "cannot execute a VolumeSnapshot on a cluster without configuration".
      if (!config) throw new ManagerError('BACKUP', 'spec.backup.volumeSnapshot is not set: the Cluster has no volume-snapshot configuration');
      settings = effectiveSnapshotSettings(config, overrides);
      const elements = snapshotElements(name, this.d.volumes(cluster));
      for (const e of elements) await ensureAbsent(join(this.d.snapshotsDir, e.name), `VolumeSnapshot ${e.name} (${e.type})`);
      // eslint-disable-next-line security/detect-non-literal-fs-filename -- the configured snapshots folder
      await mkdir(this.d.snapshotsDir, { recursive: true, mode: 0o700 }).catch((err: unknown) => {
        throw new ManagerError('BACKUP', `the volume snapshots folder ${this.d.snapshotsDir} cannot be created (--volume-snapshots-dir): ${describeError(err)}`, { cause: err });
      });
      staged = stage(elements, this.d.snapshotsDir);
      this.d.log.info({ backup: name, online: settings.online, snapshots: elements.map((e) => e.name), folder: this.d.snapshotsDir }, 'volume snapshot backup starting');
      const conditions = backupCondition('started')(cluster);
      if (conditions) await this.d.patchCluster({ conditions });
    } catch (err) {
      await this.#failed(name, err);
      finish();
      throw new ManagerError('BACKUP', `backup "${name}": ${describeError(err)}`, { cause: err });
    }
    void this.#take(name, staged, settings).finally(finish);
  }

  async #take(name: string, staged: Staged[], settings: ReturnType<typeof effectiveSnapshotSettings>): Promise<void> {
    const placed: string[] = [];
    try {
      const common = { backupName: name, staged, controlData: this.d.controlData, signal: this.d.signal };
      let result: SnapshotResult;
      if (settings.online) {
        const session = await this.d.openSession();
        try {
          result = await takeOnline({ ...common, session, immediateCheckpoint: settings.immediateCheckpoint, waitForArchive: settings.waitForArchive });
        } finally {
          // Closing the session drops the temporary slot, and aborts a backup that did not reach pg_backup_stop.
          await session.close();
        }
      } else {
        result = await takeOffline({ ...common, hold: this.d.hold });
      }
      await syncStaged(staged);
      // PGDATA's folder last: a snapshot named like the Backup means all of its siblings are in place.
      for (const s of [...staged].reverse()) {
        await putInPlace(s.temp, s.final, `VolumeSnapshot ${s.element.name}`);
        placed.push(s.final);
      }
      await this.#completed(name, staged, settings.online, result);
    } catch (err) {
      // Nothing of a failed Backup stays: its temporaries, and the folders it had already put in place (never PGDATA's).
      for (const path of [...staged.map((s) => s.temp), ...placed]) await removeTemp(path);
      await this.#failed(name, err);
    }
  }

  async #completed(name: string, staged: Staged[], online: boolean, r: SnapshotResult): Promise<void> {
    const stoppedAt = new Date().toISOString();
    await this.d.objects.patch(name, {
      phase: 'completed',
      online,
      snapshotBackupStatus: { elements: staged.map((s) => ({ name: s.element.name, type: s.element.type, ...(s.element.tablespaceName ? { tablespaceName: s.element.tablespaceName } : {}) })) },
      ...(r.beginLSN ? { beginLSN: r.beginLSN, endLSN: r.endLSN } : {}),
      ...(r.beginWal ? { beginWal: r.beginWal, endWal: r.endWal } : {}),
      ...(r.labelFile ? { backupLabelFile: Buffer.from(r.labelFile).toString('base64') } : {}),
      ...(r.spcmapFile ? { tablespaceMapFile: Buffer.from(r.spcmapFile).toString('base64') } : {}),
      startedAt: r.startedAt.toISOString(),
      stoppedAt,
      reconciliationTerminatedAt: stoppedAt,
      error: null,
    });
    this.d.log.info({ backup: name, online, beginLSN: r.beginLSN, endLSN: r.endLSN, snapshots: staged.map((s) => s.final) }, 'volume snapshot backup completed');
    const cluster = this.d.cluster();
    const first = (cluster.status.firstRecoverabilityPointByMethod as Record<string, unknown> | undefined)?.volumeSnapshot;
    const conditions = backupCondition('succeeded')(cluster);
    // api/v1 Cluster.UpdateBackupTimes(volumeSnapshot, oldest, newest): this snapshot is the newest.
    await this.d
      .patchCluster({
        lastSuccessfulBackup: stoppedAt,
        lastSuccessfulBackupByMethod: { volumeSnapshot: stoppedAt },
        ...(first === undefined ? { firstRecoverabilityPointByMethod: { volumeSnapshot: stoppedAt } } : {}),
        ...(conditions ? { conditions } : {}),
      })
      .catch((err: unknown) => this.d.log.error({ backup: name, err: describeError(err) }, 'could not write the backup to the Cluster status'));
  }

  async #failed(name: string, err: unknown): Promise<void> {
    const message = `can't execute snapshot backup: ${describeError(err)}`;
    this.d.log.error({ backup: name, err: message }, 'backup failed');
    this.d.times.lastFailedBackup = Date.now();
    try {
      const now = new Date().toISOString();
      await this.d.objects.patch(name, { phase: 'failed', method: 'volumeSnapshot', error: message, reconciliationTerminatedAt: now });
      const conditions = backupCondition('failed', message)(this.d.cluster());
      await this.d.patchCluster({ lastFailedBackup: now, ...(conditions ? { conditions } : {}) });
    } catch (patchErr) {
      this.d.log.error({ backup: name, err: describeError(patchErr) }, 'could not write the backup failure to the status');
    }
  }

  // api/v1 BackupStatus.MajorVersion: the PostgreSQL major version that was running (PGDATA's PG_VERSION).
  async #majorVersion(cluster: Cluster): Promise<{ majorVersion?: number }> {
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- PGDATA's PG_VERSION
    const text = await readFile(join(this.d.volumes(cluster).pgData, 'PG_VERSION'), 'utf8').catch(() => '');
    const major = Number.parseInt(text.trim(), 10);
    return Number.isInteger(major) ? { majorVersion: major } : {};
  }
}
