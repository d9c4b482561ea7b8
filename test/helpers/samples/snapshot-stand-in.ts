// The volume snapshots the recovering samples name (spec.bootstrap.recovery.volumeSnapshots), taken once of the
// source stand-in and shared: in the embedded default VolumeSnapshot NAME is the folder
// <--volume-snapshots-dir>/NAME holding a copy of one volume (docs/storage.md), so each sample gets its own
// snapshots folder with the names it asks for, hard links to the one copy (a recovery copies out of them and
// never writes into them).
// The copy is online, as CNPG's operator takes one: /pg/mode/backup holds pg_backup_start while PGDATA is copied,
// and pg_backup_stop's backup_label and tablespace_map are written at the copy's root. A file copy is not atomic
// as a CSI snapshot is, so the WAL is copied again after pg_backup_stop (with waitForArchive): it then holds the
// end-of-backup record, and a recovery without an archive (no `source`) reaches consistency from the snapshot
// alone, as PostgreSQL's low-level backup asks ("Making a Base Backup Using the Low Level API",
// https://www.postgresql.org/docs/15/continuous-archiving.html#BACKUP-LOWLEVEL-BASE-BACKUP). The source has no
// walStorage: its pg_wal copy is both PGDATA's pg_wal and the WAL volume's snapshot.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ManagerHandle } from '../manager.js';
import { holdOnlineBackup, operatorBackupRequest } from '../online-backup.js';
import { at, isObj } from './sample-check.js';

export interface SourceSnapshot {
  /** PGDATA's copy (with backup_label, and pg_wal as a folder). */
  data: string;
  /** The WAL volume's copy (the content of pg_wal). */
  wal: string;
}

function run(cmd: string, args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, (err, _out, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stderr }));
  });
}

async function must(cmd: string, args: string[]): Promise<void> {
  const r = await run(cmd, args);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr.trim()}`);
}

/** Copies the running source's PGDATA and WAL into `into` while an online backup is held (see above). */
export async function takeSourceSnapshot(h: ManagerHandle, cluster: string, into: string): Promise<SourceSnapshot> {
  const pgdata = join(h.stateDir, 'pgdata');
  const data = join(into, 'data');
  const wal = join(into, 'wal');
  mkdirSync(data, { recursive: true, mode: 0o700 });
  const req = await operatorBackupRequest(h, cluster);
  const held = await holdOnlineBackup(req, 'samples-snapshot', async () => {
    // A live PGDATA: files that vanish during the copy (statistics, recycled WAL) are no error for a snapshot.
    await run('cp', ['-a', ...readdirSync(pgdata).map((e) => join(pgdata, e)), data]);
  });
  // Again after the stop, newer and new segments only: the first copy has the start of the backup (the held
  // backup's slot kept it; a checkpoint since may have recycled it), this one its end.
  await run('cp', ['-a', '-u', `${join(pgdata, 'pg_wal')}/.`, join(data, 'pg_wal')]);
  for (const f of ['PG_VERSION', join('global', 'pg_control'), 'pg_wal']) {
    if (!existsSync(join(data, f))) throw new Error(`the source snapshot lacks ${f}`);
  }
  if (held.labelFile.length === 0) throw new Error('pg_backup_stop handed back no backup_label');
  writeFileSync(join(data, 'backup_label'), held.labelFile, { mode: 0o600 });
  if (held.spcmapFile.length > 0) writeFileSync(join(data, 'tablespace_map'), held.spcmapFile, { mode: 0o600 });
  await must('cp', ['-al', join(data, 'pg_wal'), wal]);
  await must('chown', ['-R', 'postgres:postgres', into]);
  return { data, wal };
}

/**
 * Makes `into`/NAME for every VolumeSnapshot the sample's recovery names (hard links to `snapshot`); returns one
 * note per folder. A tablespace snapshot is refused: the source stand-in has no tablespaces.
 */
export async function placeSampleSnapshots(spec: unknown, snapshot: SourceSnapshot, into: string): Promise<string[]> {
  const wanted = at(spec, 'bootstrap', 'recovery', 'volumeSnapshots');
  if (!isObj(wanted)) return [];
  const tablespaces = at(wanted, 'tablespaceStorage');
  if (isObj(tablespaces) && Object.keys(tablespaces).length > 0) throw new Error('spec.bootstrap.recovery.volumeSnapshots.tablespaceStorage: the source stand-in has no tablespaces to snapshot');
  mkdirSync(into, { recursive: true, mode: 0o755 });
  const notes: string[] = [];
  for (const [field, from] of [['storage', snapshot.data], ['walStorage', snapshot.wal]] as const) {
    const name = at(wanted, field, 'name');
    if (typeof name !== 'string') continue;
    if (name.includes('/') || name.startsWith('.')) throw new Error(`volumeSnapshots.${field}.name ${name}: not a folder name`);
    await must('cp', ['-al', from, join(into, name)]);
    notes.push(`VolumeSnapshot ${name} (volumeSnapshots.${field}): the source stand-in's online ${field === 'storage' ? 'PGDATA' : 'WAL'} snapshot`);
  }
  await must('chown', ['postgres:postgres', into]);
  return notes;
}
