// Does PGDATA's pg_wal match spec.walStorage? With walStorage pg_wal is a link to the WAL folder (CNPG
// pkg/specs/volumes.go PgWalVolumePgWalPath); without it, a folder inside PGDATA. Checked before every start:
// a mismatch is named with what to do, rather than postgres running with WAL somewhere the spec does not say.
import { lstat, readlink, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ManagerError } from '../errors.js';

export interface WalLayout {
  pgData: string;
  /** The WAL folder of the configuration (--pg-wal). */
  pgWal: string;
  walStorage: boolean;
}

/** Throws a PGDATA error naming the mismatch; resolves when pg_wal matches the spec (or PGDATA has none yet). */
export async function checkWalLayout(o: WalLayout): Promise<void> {
  const link = join(o.pgData, 'pg_wal');
  // eslint-disable-next-line security/detect-non-literal-fs-filename -- PGDATA/pg_wal
  const info = await lstat(link).catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? undefined : Promise.reject(err)));
  if (info === undefined) return;
  if (info.isSymbolicLink()) {
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- PGDATA/pg_wal
    const target = resolve(o.pgData, await readlink(link));
    if (!o.walStorage) {
      throw new ManagerError('PGDATA', `${link} is a link to ${target}, but spec.walStorage is not set: removing walStorage from a cluster is not supported (as in CloudNativePG); set spec.walStorage again`);
    }
    if (target !== resolve(o.pgWal)) {
      throw new ManagerError('PGDATA', `${link} is a link to ${target}, but the WAL folder is ${o.pgWal} (--pg-wal): start with --pg-wal ${target}`);
    }
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- the WAL folder
    const folder = await stat(target).catch(() => undefined);
    if (!folder?.isDirectory()) throw new ManagerError('PGDATA', `the WAL folder ${target} that ${link} links to is missing or not a folder: PGDATA cannot start without its WAL`);
    // As PGDATA (PostgreSQL miscinit.c checkDataDir): ours, and nobody else's to write or, but for a group, read.
    const uid = process.getuid?.();
    if (uid !== undefined && folder.uid !== uid) throw new ManagerError('PGDATA', `the WAL folder ${target} is owned by uid ${folder.uid}, not by the user postgres runs as (uid ${uid})`);
    if ((folder.mode & 0o027) !== 0) throw new ManagerError('PGDATA', `the WAL folder ${target} has mode ${(folder.mode & 0o777).toString(8)}: it must be 0700 (or 0750), as PGDATA`);
    return;
  }
  if (o.walStorage) {
    throw new ManagerError(
      'PGDATA',
      `spec.walStorage is set but ${link} is a folder inside PGDATA (made before walStorage was added): stop, move it (mv ${link} ${o.pgWal} && ln -s ${o.pgWal} ${link}) or make the instance again (a new replica clones with the WAL folder)`,
    );
  }
}
