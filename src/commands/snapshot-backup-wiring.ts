// Which runner a `backup NAME` request goes to (backup-request-spec.ts decides the method). In the embedded
// default a volumeSnapshot Backup is taken by the manager itself, standing in for CNPG's operator
// (backup/snapshot-backup.ts); in Kubernetes the operator takes volume snapshots (api/v1 BackupMethod
// IsManagedByOperator: it holds /pg/mode/backup open on this instance and creates the VolumeSnapshots), so the
// manager refuses to, saying so.
import { existsSync } from 'node:fs';
import { ManagerError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { Cluster } from '../spec/cluster.js';
import type { Held } from '../supervisor/postmaster-hold.js';
import { parseControlData, readControlData } from '../supervisor/controldata.js';
import { tablespaceLocation } from '../bootstrap/extra-folders.js';
import type { BackupFiles } from '../backup/backup-objects.js';
import { BackupBusyError, type BackupRunner } from '../backup/backup-runner.js';
import { resolveBackupRequest, type BackupRequestOptions } from '../backup/backup-request-spec.js';
import { SnapshotBackupRunner } from '../backup/snapshot-backup.js';
import type { InstanceVolumes } from '../backup/snapshot-plan.js';
import type { Prepared } from './prepare.js';

/** The embedded default's snapshot runner; undefined in Kubernetes mode (no snapshots folder, no Backup files). */
export function snapshotRunner(p: Prepared, cluster: () => Cluster, local: BackupFiles | undefined, patchCluster: (patch: Record<string, unknown>) => Promise<void>, hold: (() => Promise<Held | undefined>) | undefined, log: Logger, signal: AbortSignal): SnapshotBackupRunner | undefined {
  const dir = p.config.volumeSnapshotsDir;
  if (!local || dir === undefined) return undefined;
  return new SnapshotBackupRunner({
    cluster,
    volumes: (c) => instanceVolumes(p, c),
    snapshotsDir: dir,
    openSession: async () => (await import('../db/backup-session.js')).openBackupSession(p.db.target),
    hold: hold ?? (() => Promise.reject(new ManagerError('BACKUP', 'postgres cannot be held down here: spec.backup.volumeSnapshot.online false is not supported in this mode'))),
    controlData: async () => {
      const r = await readControlData(p.config.pgBin, p.config.pgData, p.registry);
      if (!r.ok) throw new ManagerError('BACKUP', `pg_controldata failed: ${r.text}`);
      return parseControlData(r.text);
    },
    objects: local,
    patchCluster,
    podName: p.state.podName,
    sessionId: p.state.sessionId,
    times: p.state.backups,
    log,
    signal,
  });
}

function instanceVolumes(p: Prepared, c: Cluster): InstanceVolumes {
  return {
    pgData: p.config.pgData,
    ...(c.spec.walStorage === true ? { pgWal: p.config.pgWal } : {}),
    // A tablespace whose folder was never made (pending: status.tablespacesStatus says why) holds nothing yet.
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- the configured tablespaces folder
    tablespaces: (c.spec.tablespaces ?? []).map((t) => ({ name: t.name, folder: tablespaceLocation(p.config.tablespacesDir, t.name) })).filter((t) => existsSync(t.folder)),
  };
}

export interface BackupDispatch {
  p: Prepared;
  cluster: () => Cluster;
  barman: BackupRunner;
  snapshots: SnapshotBackupRunner | undefined;
  local: BackupFiles | undefined;
}

/** Starts Backup `name` with the runner its method names; resolves with the method and backup name. */
export async function dispatchBackup(d: BackupDispatch, name: string, options: BackupRequestOptions): Promise<{ method: string; backupName: string }> {
  const busy = d.barman.running ?? d.snapshots?.running;
  if (busy !== undefined) throw new BackupBusyError(busy);
  const existing = d.local ? await d.local.read(name) : await kubeBackup(d.p, name);
  const resolved = resolveBackupRequest(name, options, record(existing?.spec));
  if (resolved.method === 'volumeSnapshot') {
    if (!d.snapshots || !d.local) {
      throw new ManagerError('BACKUP', `Backup "${name}" has method volumeSnapshot: in Kubernetes the operator takes volume snapshots (it holds /pg/mode/backup open on this instance and creates the VolumeSnapshots); the instance manager runs barmanObjectStore Backups only`);
    }
    // A snapshot Backup runs once (CNPG never reconciles a completed one again); its folders stay as they are.
    const phase = record(existing?.status)?.phase;
    if (phase === 'completed') throw new ManagerError('BACKUP', `Backup "${name}" is already completed: take another Backup name`);
    await d.local.writeSpec(name, resolved.spec);
    await d.snapshots.start(name, resolved.overrides);
    return { method: resolved.method, backupName: name };
  }
  if (d.local) {
    // Locally nobody else marks the request: the operator's share (spec, started, instanceID with the session).
    if (options.method) await d.local.writeSpec(name, resolved.spec);
    await d.local.patch(name, { phase: 'started', instanceID: { podName: d.p.state.podName, sessionID: d.p.state.sessionId } });
  }
  return { method: resolved.method, backupName: await d.barman.start(name) };
}

// Kubernetes: the Backup object's spec says its method (a read failure leaves it to the request's options).
async function kubeBackup(p: Prepared, name: string): Promise<Record<string, unknown> | undefined> {
  const source = p.source as Partial<{ getBackup: (n: string) => Promise<Record<string, unknown> | undefined> }>;
  if (typeof source.getBackup !== 'function') return undefined;
  return source.getBackup.call(p.source, name).catch(() => undefined);
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}
