// Taking the embedded default's volume snapshots, as CNPG's operator does with VolumeSnapshots
// (pkg/reconciler/backup/volumesnapshot/online.go, offline.go):
// - online (hot): a held session runs pg_backup_start (a temporary slot reserving WAL first, as
//   /pg/mode/backup does), the volumes are copied while postgres runs, pg_backup_stop hands back the
//   backup_label and tablespace_map, written at the root of PGDATA's copy (CNPG keeps them on the snapshots).
//   A file copy is not a crash-consistent CSI snapshot, so the WAL from the backup's start to its end (and the
//   timeline history files) is copied after pg_backup_stop, while the slot still holds it: the snapshot then
//   recovers on its own, with or without a WAL archive.
// - offline (cold): postgres is stopped and held down (CNPG fences the pod), the volumes copied whole, postgres
//   started again; the LSNs and WAL are pg_controldata's REDO point, as CNPG's backupStatusFromSnapshots sets.
import { copyFile, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { ManagerError } from '../errors.js';
import { writeFileAtomic } from '../files/write-file-atomic.js';
import type { BackupSession } from '../db/backup-session.js';
import type { Held } from '../supervisor/postmaster-hold.js';
import { checkStopping, copyTree, PGDATA_EMPTY_DIRS, syncTree } from './copy-volume.js';
import { labelStart, parseLsn, segmentRange, walFileName, type SnapshotElement } from './snapshot-plan.js';

/** One element being written: its temporary folder and what was written there. */
export interface Staged {
  element: SnapshotElement;
  temp: string;
  final: string;
  written: string[];
}

/** What the Backup's status gets from the snapshot. */
export interface SnapshotResult {
  beginLSN?: string;
  endLSN?: string;
  beginWal?: string;
  endWal?: string;
  startedAt: Date;
  labelFile?: string;
  spcmapFile?: string;
}

export interface TakeOptions {
  backupName: string;
  staged: Staged[];
  /** pg_controldata of the instance, parsed. */
  controlData: () => Promise<Record<string, string>>;
  /** Aborts when the manager stops: the copy is abandoned (and an online backup aborted by its session's close). */
  signal: AbortSignal;
}

// Characters a replication slot name cannot hold become '_' (CNPG backup_connection.go, as backup-mode.ts).
const SLOT_INVALID = /[^a-z0-9_]/g;

/** Temporary siblings of the snapshot folders, for `elements`, under `dir`. */
export function stage(elements: readonly SnapshotElement[], dir: string): Staged[] {
  const tag = randomBytes(4).toString('hex');
  return elements.map((element) => ({ element, temp: join(dir, `.${element.name}.snapshot-${tag}`), final: join(dir, element.name), written: [] }));
}

const dataOf = (staged: Staged[]): Staged => {
  const data = staged.find((s) => s.element.type === 'PG_DATA');
  if (!data) throw new ManagerError('BACKUP', 'no PGDATA snapshot in the plan');
  return data;
};

async function copyAll(staged: Staged[], pgdataEmpty: readonly string[], walToo: boolean, signal: AbortSignal): Promise<void> {
  for (const s of staged) {
    if (s.element.type === 'PG_WAL' && !walToo) {
      // eslint-disable-next-line security/detect-non-literal-fs-filename -- our temporary
      await mkdir(s.temp, { mode: 0o700 });
      s.written.push(s.temp);
      continue;
    }
    const rules = s.element.type === 'PG_DATA' ? { pgdataFiles: true, emptyDirs: pgdataEmpty, signal } : { pgdataFiles: true, signal };
    s.written.push(...(await copyTree(s.element.source, s.temp, rules)));
  }
}

/** The hot snapshot; the session is the caller's to close (closing it aborts an unfinished backup). */
export async function takeOnline(o: TakeOptions & { session: BackupSession; immediateCheckpoint: boolean; waitForArchive: boolean }): Promise<SnapshotResult> {
  const data = dataOf(o.staged);
  const walStaged = o.staged.find((s) => s.element.type === 'PG_WAL');
  const liveWal = walStaged?.element.source ?? join(data.element.source, 'pg_wal');
  const segmentBytes = Number((await o.controlData())['Bytes per WAL segment'] ?? 16 * 1024 * 1024);
  await o.session.createSlot(o.backupName.replace(SLOT_INVALID, '_'));
  const beginLSN = await o.session.start(o.backupName, o.immediateCheckpoint);
  const startedAt = new Date();
  await copyAll(o.staged, [...PGDATA_EMPTY_DIRS, 'pg_wal'], false, o.signal);
  const stopped = await o.session.stop(o.waitForArchive);
  const start = labelStart(stopped.labelFile);
  const end = parseLsn(stopped.lsn);
  if (!start || end === undefined) throw new ManagerError('BACKUP', `pg_backup_stop handed back no usable backup_label or end LSN (${stopped.lsn})`);
  const endWal = walFileName(start.tli, end, segmentBytes, true);
  const walTemp = walStaged?.temp ?? join(data.temp, 'pg_wal');
  // eslint-disable-next-line security/detect-non-literal-fs-filename -- the live WAL folder
  const history = (await readdir(liveWal)).filter((n) => /^[0-9A-F]{8}\.history$/.test(n));
  for (const name of [...segmentRange(start.file, endWal, segmentBytes), ...history]) {
    checkStopping(o.signal);
    await copyFile(join(liveWal, name), join(walTemp, name)).catch((err: unknown) => {
      throw new ManagerError('BACKUP', `WAL file ${name}, which the backup needs, could not be copied from ${liveWal}: ${(err as Error).message}`, { cause: err });
    });
    (walStaged ?? data).written.push(join(walTemp, name));
  }
  // eslint-disable-next-line security/detect-non-literal-fs-filename -- our temporary
  await mkdir(join(walTemp, 'archive_status'), { recursive: true, mode: 0o700 });
  await writeFileAtomic(join(data.temp, 'backup_label'), stopped.labelFile, 0o600);
  if (stopped.spcmapFile !== '') await writeFileAtomic(join(data.temp, 'tablespace_map'), stopped.spcmapFile, 0o600);
  return { beginLSN, endLSN: stopped.lsn, beginWal: start.file, endWal, startedAt, labelFile: stopped.labelFile, ...(stopped.spcmapFile === '' ? {} : { spcmapFile: stopped.spcmapFile }) };
}

/** The cold snapshot: postgres held down (hold() stops it) while the volumes are copied whole. */
export async function takeOffline(o: TakeOptions & { hold: () => Promise<Held | undefined> }): Promise<SnapshotResult> {
  const held = await o.hold();
  if (!held) throw new ManagerError('BACKUP', 'postgres is stopping: no cold snapshot can be taken');
  const startedAt = new Date();
  try {
    const control = await o.controlData();
    await copyAll(o.staged, PGDATA_EMPTY_DIRS, true, o.signal);
    const redo = control["Latest checkpoint's REDO location"];
    const redoWal = control["Latest checkpoint's REDO WAL file"];
    return { startedAt, ...(redo ? { beginLSN: redo, endLSN: redo } : {}), ...(redoWal ? { beginWal: redoWal, endWal: redoWal } : {}) };
  } finally {
    held.resume();
  }
}

/** Makes every staged folder durable. */
export async function syncStaged(staged: readonly Staged[]): Promise<void> {
  await syncTree(staged.flatMap((s) => s.written));
}
