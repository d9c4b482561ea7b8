// What a volume-snapshot Backup is made of, as CloudNativePG names and types it: one VolumeSnapshot per volume
// of the instance, PGDATA's named like the Backup, the WAL volume's `<backup>-wal`, each tablespace's
// `<backup>-tbs-<name>` (pkg/reconciler/persistentvolumeclaim/calculator.go GetSnapshotName, pkg/specs/volumes.go
// SnapshotBackupNameForTablespace), with the PVC roles PG_DATA / PG_WAL / PG_TABLESPACE as the elements' types
// (api/v1 BackupSnapshotElementStatus). The Backup's own online settings override the Cluster's
// (api/v1 backup_funcs.go GetVolumeSnapshotConfiguration, GetOnlineOrDefault).
import type { OnlineConfiguration, VolumeSnapshotConfig } from '../spec/validate-volume-snapshot.js';

/** One volume of the instance and the snapshot that copies it. */
export interface SnapshotElement {
  /** The VolumeSnapshot's name: the folder `<snapshots dir>/<name>` in the embedded default. */
  name: string;
  type: 'PG_DATA' | 'PG_WAL' | 'PG_TABLESPACE';
  tablespaceName?: string;
  /** The live folder the snapshot copies. */
  source: string;
}

export interface InstanceVolumes {
  pgData: string;
  /** The WAL folder, with spec.walStorage. */
  pgWal?: string;
  /** Tablespace name -> its live folder. */
  tablespaces: { name: string; folder: string }[];
}

/** A Backup's own volume-snapshot settings (api/v1 BackupSpec online, onlineConfiguration): unset = the Cluster's. */
export interface BackupSnapshotOverrides {
  online?: boolean;
  onlineConfiguration?: Partial<OnlineConfiguration>;
}

// A PostgreSQL identifier as a Kubernetes name (pkg/specs/volumes.go convertPostgresIDToK8sName): a leading
// "_" becomes "1", "$" and "_" become "-", lower case.
function k8sName(tablespace: string): string {
  const leading = tablespace.startsWith('_') ? `1${tablespace.slice(1)}` : tablespace;
  return leading.replaceAll('$', '-').replaceAll('_', '-').toLowerCase();
}

/** The snapshots of Backup `backupName`, PGDATA's first. */
export function snapshotElements(backupName: string, volumes: InstanceVolumes): SnapshotElement[] {
  return [
    { name: backupName, type: 'PG_DATA', source: volumes.pgData },
    ...(volumes.pgWal === undefined ? [] : [{ name: `${backupName}-wal`, type: 'PG_WAL' as const, source: volumes.pgWal }]),
    ...volumes.tablespaces.map((t) => ({ name: `${backupName}-tbs-${k8sName(t.name)}`, type: 'PG_TABLESPACE' as const, tablespaceName: t.name, source: t.folder })),
  ];
}

/** The settings a Backup runs with: its own online / onlineConfiguration over the Cluster's. */
export function effectiveSnapshotSettings(cluster: VolumeSnapshotConfig, backup: BackupSnapshotOverrides): { online: boolean } & OnlineConfiguration {
  // CNPG replaces the whole onlineConfiguration when the Backup sets one; its unset fields then take
  // OnlineConfiguration's own defaults (waitForArchive true, immediateCheckpoint false).
  const own = backup.onlineConfiguration;
  const online = own === undefined ? cluster.onlineConfiguration : { waitForArchive: own.waitForArchive ?? true, immediateCheckpoint: own.immediateCheckpoint ?? false };
  return { online: backup.online ?? cluster.online, ...online };
}

/** An LSN "X/Y" as a number of bytes; undefined when it is not one. */
export function parseLsn(lsn: string): number | undefined {
  const m = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(lsn);
  return m?.[1] === undefined || m[2] === undefined ? undefined : parseInt(m[1], 16) * 0x100000000 + parseInt(m[2], 16);
}

/**
 * The WAL segment holding byte `lsn` on timeline `tli` (PostgreSQL xlog_internal.h XLByteToSeg + XLogFileName).
 * `endOfRecord`: the LSN ends a record (pg_backup_stop's), so a segment boundary belongs to the previous segment
 * (XLByteToPrevSeg, as pg_walfile_name does).
 */
export function walFileName(tli: number, lsn: number, segmentBytes: number, endOfRecord = false): string {
  const segno = Math.floor((endOfRecord ? lsn - 1 : lsn) / segmentBytes);
  const perLog = Math.floor(0x100000000 / segmentBytes);
  const hex = (n: number): string => n.toString(16).toUpperCase().padStart(8, '0');
  return `${hex(tli)}${hex(Math.floor(segno / perLog))}${hex(segno % perLog)}`;
}

/** The segment names from `first` to `last` (inclusive) on their timeline, for a segment size in bytes. */
export function segmentRange(first: string, last: string, segmentBytes: number): string[] {
  const perLog = Math.floor(0x100000000 / segmentBytes);
  const segno = (n: string): number => parseInt(n.slice(8, 16), 16) * perLog + parseInt(n.slice(16, 24), 16);
  const tli = parseInt(first.slice(0, 8), 16);
  const out: string[] = [];
  for (let s = segno(first); s <= segno(last); s++) out.push(walFileName(tli, s * segmentBytes, segmentBytes));
  return out;
}

/** The timeline and start segment a backup_label names ("START WAL LOCATION: 0/2000028 (file 0000000100…02)"). */
export function labelStart(label: string): { tli: number; file: string } | undefined {
  const file = /^START WAL LOCATION: \S+ \(file ([0-9A-F]{24})\)$/m.exec(label)?.[1];
  const tli = /^START TIMELINE: (\d+)$/m.exec(label)?.[1];
  return file === undefined ? undefined : { tli: tli === undefined ? parseInt(file.slice(0, 8), 16) : Number(tli), file };
}
