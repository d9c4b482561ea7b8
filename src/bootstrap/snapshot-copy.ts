// Recovery from volume snapshots, embedded default (CNPG `instance restoresnapshot`, pkg/management/postgres/
// restore.go RestoreSnapshot). In Kubernetes the operator makes the PVCs from VolumeSnapshots and hands the
// backup_label and tablespace_map over as flags; here VolumeSnapshot <name> is the folder <snapshotsDir>/<name>,
// a copy of one volume's content: PGDATA's (with the backup_label and tablespace_map that /pg/mode/backup handed
// back written at its root, for an online snapshot), the WAL folder's, a tablespace's data folder. They are copied
// into temporary siblings of their final paths (extra-folders.ts), never used in place: a snapshot restores again.
import { chmod, cp, lstat, mkdir, readdir, readFile, readlink, rm, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ManagerError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { writeFileAtomic } from '../files/write-file-atomic.js';
import type { VolumeSnapshotsSpec } from '../spec/cluster.js';
import { removeOriginRunFiles } from './origin-run-files.js';
import { clearFinalPath, moveFolder, tablespaceLocation, tempSibling, type ExtraFolder } from './extra-folders.js';

export interface SnapshotCopyOptions {
  snapshots: VolumeSnapshotsSpec;
  snapshotsDir: string;
  pgTemp: string;
  tablespacesDir: string;
  pgWal?: string;
  log: Logger;
}

/** One line of tablespace_map: `<oid> <path>` (PostgreSQL xlog.c do_pg_backup_start). */
export function parseTablespaceMap(text: string): { oid: string; path: string }[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const m = /^(\d+) (.+)$/.exec(l);
      if (!m) throw new ManagerError('RECOVERY', `tablespace_map line is not "<oid> <path>": ${JSON.stringify(l)}`);
      return { oid: m[1] ?? '', path: m[2] ?? '' };
    });
}

/** The tablespace a location belongs to, by CNPG's layout <dir>/<name>/data (or <dir>/<name>). */
export function tablespaceNameOf(path: string): string {
  return basename(path) === 'data' ? basename(dirname(path)) : basename(path);
}

async function snapshotFolder(dir: string, name: string, field: string): Promise<string> {
  const path = join(dir, name);
  // eslint-disable-next-line security/detect-non-literal-fs-filename -- <snapshotsDir>/<validated name>
  const info = await stat(path).catch(() => undefined);
  if (!info?.isDirectory()) throw new ManagerError('RECOVERY', `${field}: no volume snapshot "${name}": the folder ${path} does not exist (--volume-snapshots-dir ${dir})`);
  return path;
}

async function tablespaceLinks(data: string): Promise<{ oid: string; path: string }[]> {
  const out: { oid: string; path: string }[] = [];
  // eslint-disable-next-line security/detect-non-literal-fs-filename -- the snapshot's pg_tblspc
  for (const oid of await readdir(join(data, 'pg_tblspc')).catch(() => [] as string[])) {
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- the snapshot's pg_tblspc/<oid>
    const path = await readlink(join(data, 'pg_tblspc', oid)).catch(() => undefined);
    if (path !== undefined && /^\d+$/.test(oid)) out.push({ oid, path });
  }
  return out;
}

const exists = (p: string): Promise<boolean> => stat(p).then(() => true, () => false); // eslint-disable-line security/detect-non-literal-fs-filename -- our folders

/** Copies the snapshots into `pgTemp` and the extra folders' temporaries; returns the extras to put in place. */
export async function copySnapshots(o: SnapshotCopyOptions): Promise<ExtraFolder[]> {
  const field = 'spec.bootstrap.recovery.volumeSnapshots';
  const data = await snapshotFolder(o.snapshotsDir, o.snapshots.storage, `${field}.storage.name`);
  if (!(await exists(join(data, 'PG_VERSION')))) throw new ManagerError('RECOVERY', `${field}.storage.name: the snapshot folder ${data} holds no PG_VERSION: not a copy of PGDATA`);
  const wal = o.snapshots.walStorage === undefined ? undefined : await snapshotFolder(o.snapshotsDir, o.snapshots.walStorage, `${field}.walStorage.name`);
  // eslint-disable-next-line security/detect-non-literal-fs-filename -- the snapshot's tablespace_map
  const mapText = await readFile(join(data, 'tablespace_map'), 'utf8').catch(() => undefined);
  // A cold snapshot (postgres stopped) has no tablespace_map: its pg_tblspc links say where the tablespaces were.
  const map = mapText === undefined ? await tablespaceLinks(data) : parseTablespaceMap(mapText);
  const extras: ExtraFolder[] = [];
  const tablespaceSources: string[] = [];
  for (const t of map) {
    const name = tablespaceNameOf(t.path);
    const snapshot = o.snapshots.tablespaceStorage[name]; // eslint-disable-line security/detect-object-injection -- a record of our own
    if (snapshot === undefined) throw new ManagerError('RECOVERY', `${field}.tablespaceStorage: the snapshot holds tablespace ${name} (oid ${t.oid}, ${t.path}) but names no snapshot for it`);
    tablespaceSources.push(await snapshotFolder(o.snapshotsDir, snapshot, `${field}.tablespaceStorage.${name}.name`));
    const final = tablespaceLocation(o.tablespacesDir, name);
    extras.push({ what: `folder of tablespace ${name}`, final, temp: tempSibling(final, 'snapshot'), link: join('pg_tblspc', t.oid) });
  }
  if (o.pgWal) extras.push({ what: 'WAL folder', final: o.pgWal, temp: tempSibling(o.pgWal, 'snapshot'), link: 'pg_wal' });
  for (const x of extras) await clearFinalPath(x.final, x.what, o.log);
  // A copy, links kept as links: pg_wal and pg_tblspc/* of the origin are replaced below, never followed.
  await cp(data, o.pgTemp, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
  // eslint-disable-next-line security/detect-non-literal-fs-filename -- the new PGDATA: postgres wants 0700
  await chmod(o.pgTemp, 0o700);
  for (const [i, t] of map.entries()) {
    const x = extras[i]; // eslint-disable-line security/detect-object-injection -- same order as map
    const from = tablespaceSources[i]; // eslint-disable-line security/detect-object-injection -- same order as map
    if (x !== undefined && from !== undefined) await cp(from, x.temp, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
    await rm(join(o.pgTemp, 'pg_tblspc', t.oid), { recursive: true, force: true });
  }
  // postgres recreates pg_tblspc/<oid> from tablespace_map at the start of the recovery: it names our folders.
  if (mapText !== undefined && map.length > 0) await writeFileAtomic(join(o.pgTemp, 'tablespace_map'), map.map((t, i) => `${t.oid} ${extras[i]?.final ?? t.path}\n`).join(''), 0o600); // eslint-disable-line security/detect-object-injection
  const pgWalCopy = join(o.pgTemp, 'pg_wal');
  // eslint-disable-next-line security/detect-non-literal-fs-filename -- the copy's pg_wal
  if ((await lstat(pgWalCopy).catch(() => undefined))?.isSymbolicLink()) await unlink(pgWalCopy);
  const walExtra = extras.find((x) => x.link === 'pg_wal');
  if (wal !== undefined) {
    await rm(pgWalCopy, { recursive: true, force: true });
    await cp(wal, walExtra?.temp ?? pgWalCopy, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
  } else if (walExtra && (await exists(pgWalCopy))) {
    await moveFolder(pgWalCopy, walExtra.temp);
  }
  // eslint-disable-next-line security/detect-non-literal-fs-filename -- pg_wal (or the WAL folder's temporary)
  await mkdir(join(walExtra?.temp ?? pgWalCopy, 'archive_status'), { recursive: true, mode: 0o700 });
  // eslint-disable-next-line security/detect-non-literal-fs-filename -- as above: 0700, as postgres makes pg_wal
  if (walExtra) await chmod(walExtra.temp, 0o700);
  await removeOriginRunFiles(o.pgTemp);
  return extras;
}
