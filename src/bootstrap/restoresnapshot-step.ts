// `instance restoresnapshot` as a one-shot step (CNPG internal/cmd/manager/instance/restoresnapshot,
// pkg/management/postgres/restore.go RestoreSnapshot). The operator made this pod's PVCs from the
// VolumeSnapshots of spec.bootstrap.recovery.volumeSnapshots: PGDATA (and the WAL and tablespace volumes) already
// hold the snapshot's content, used in place. The step checks it is there, writes the online snapshot's
// backup_label and tablespace_map when WAL comes from an archive, and ends as every recovery does (recovery-finish.ts): WAL from the source's
// object store when recovery.source names one, the recovery target, postgres run until it promotes.
// Everything that can be refused is checked before PGDATA is written; from the first write until the promotion
// PGDATA carries the `snapshot` marker, so an interrupted run is never started as a cluster, only run again.
import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ManagerError } from '../errors.js';
import { child } from '../log/logger.js';
import { writeFileAtomic } from '../files/write-file-atomic.js';
import { readMarker, writeMarker } from './bootstrap-marker.js';
import { tablespaceLocation } from './extra-folders.js';
import { removeOriginRunFiles } from './origin-run-files.js';
import { finishRecovery, snapshotWalSource, type RecoveryFinishOptions } from './recovery-finish.js';
import { tablespaceNameOf } from './snapshot-copy.js';
import type { SnapshotFlags } from './snapshot-label.js';

export interface RestoreSnapshotOptions extends RecoveryFinishOptions {
  /** Tablespace <name>'s volume is mounted at <tablespacesDir>/<name>/data (CNPG pkg/specs/volumes.go). */
  tablespacesDir: string;
  /** The decoded --backuplabel / --tablespacemap (snapshot-label.ts). */
  labels: SnapshotFlags;
}

const isDir = async (p: string): Promise<boolean> => (await stat(p).catch(() => undefined))?.isDirectory() === true; // eslint-disable-line security/detect-non-literal-fs-filename -- PGDATA's folders
const isFile = async (p: string): Promise<boolean> => (await stat(p).catch(() => undefined))?.isFile() === true; // eslint-disable-line security/detect-non-literal-fs-filename -- PGDATA's files

/** Throws a PGDATA error naming what the restored volume lacks; resolves when it looks like a snapshot of PGDATA. */
export async function checkRestoredPgData(pgData: string): Promise<void> {
  const hint = 'the PVC was not made from the VolumeSnapshot of spec.bootstrap.recovery.volumeSnapshots.storage';
  if (!(await isDir(pgData))) throw new ManagerError('PGDATA', `instance restoresnapshot: PGDATA ${pgData} does not exist: ${hint}`);
  for (const f of ['PG_VERSION', join('global', 'pg_control')]) {
    if (!(await isFile(join(pgData, f)))) throw new ManagerError('PGDATA', `instance restoresnapshot: PGDATA ${pgData} holds no ${f}: ${hint}`);
  }
  // pg_wal is a folder, or (walStorage) a link to the WAL volume, which must be mounted.
  if (!(await isDir(join(pgData, 'pg_wal')))) throw new ManagerError('PGDATA', `instance restoresnapshot: ${join(pgData, 'pg_wal')} is missing (or links to a missing WAL volume): restore volumeSnapshots.walStorage too when the origin had walStorage`);
  const phase = await readMarker(pgData);
  if (phase !== undefined && phase !== 'snapshot') throw new ManagerError('PGDATA', `instance restoresnapshot: PGDATA ${pgData} holds an unfinished bootstrap of another kind (phase ${phase}), not a snapshot`);
}

/** Runs the step; resolves once PGDATA holds the recovered, promoted cluster and postgres is stopped. */
export async function runRestoreSnapshotStep(o: RestoreSnapshotOptions, signal: AbortSignal): Promise<void> {
  const log = child(o.root, 'recovery');
  const recovery = o.cluster.spec.bootstrap.recovery;
  if (!recovery) throw new ManagerError('RECOVERY', 'instance restoresnapshot: spec.bootstrap.recovery is not set in the Cluster (CNPG: "missing snapshot recovery stanza")');
  await checkRestoredPgData(o.pgData);
  // The origin's tablespace locations, moved to this instance's (the same paths in Kubernetes), whose volumes
  // must be mounted: postgres makes pg_tblspc/<oid> from tablespace_map at the start of the recovery.
  const map = (o.labels.tablespaceMap ?? []).map((t) => ({ ...t, name: tablespaceNameOf(t.path), final: tablespaceLocation(o.tablespacesDir, tablespaceNameOf(t.path)) }));
  for (const t of map) {
    if (!(await isDir(t.final))) throw new ManagerError('RECOVERY', `--tablespacemap names tablespace ${t.name} (oid ${t.oid}, at ${t.path} in the origin), but its volume ${t.final} is missing: restore volumeSnapshots.tablespaceStorage.${t.name} too`);
  }
  const restored = await snapshotWalSource(o, recovery.source, signal);
  // Without an archive the label is not written (CNPG RestoreSnapshot returns before it): a CSI snapshot is taken
  // before pg_backup_stop, so its WAL never reaches the backup's end, which a backup_label makes postgres wait
  // for. It then recovers as after a crash, from pg_control's checkpoint, which a crash-consistent volume allows.
  const label = restored.restoreCommand === undefined ? undefined : o.labels.backupLabel;
  if (o.labels.backupLabel && !label) log.info('no recovery.source archive: backup_label and tablespace_map are not written; postgres recovers the snapshot as after a crash');
  log.info({ pgdata: o.pgData, online: o.labels.backupLabel !== undefined, tablespaces: map.map((t) => t.name), source: recovery.source, archive: restored.restoreCommand !== undefined }, 'recovering from the restored volume snapshots');
  await removeOriginRunFiles(o.pgData);
  await writeMarker(o.pgData, 'snapshot');
  if (label) await writeFileAtomic(join(o.pgData, 'backup_label'), label, 0o600);
  if (label && map.length > 0) await writeFileAtomic(join(o.pgData, 'tablespace_map'), map.map((t) => `${t.oid} ${t.final}\n`).join(''), 0o600);
  // A CSI snapshot of pg_wal may lack archive_status (PostgreSQL recreates it only when it is missing at start).
  // eslint-disable-next-line security/detect-non-literal-fs-filename -- PGDATA/pg_wal/archive_status
  await mkdir(join(o.pgData, 'pg_wal', 'archive_status'), { recursive: true, mode: 0o700 });
  await finishRecovery(o, restored, log, signal);
}
