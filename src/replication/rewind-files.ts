// The files around a pg_rewind, made to survive it (CNPG instance.go Rewind; the trial notes on pg_rewind):
// - global/pg_control is kept aside as pg_control.old before each attempt (0600), and put back when an
//   interrupted run left it empty; removed after a success;
// - the configuration pg_rewind's single-user recovery and restore_command read is a file OUTSIDE PGDATA
//   (`--config-file`, PostgreSQL >= 15): a rewind that fails while copying truncates postgresql.conf and the
//   files it includes in PGDATA (CNPG #3698, #6669), and a successful one replaces them with the source's.
//   The file is postgresql.conf with its includes (custom.conf, override.conf) inlined, as they were before.
import { chmod, copyFile, readFile, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { ManagerError } from '../errors.js';
import { writeFileAtomic } from '../files/write-file-atomic.js';
import { renderConfLine } from '../pgfiles/conf-literal.js';


/** postgresql.conf's text with each `include 'file'` of a file in PGDATA replaced by that file's text. */
export async function inlinedConfig(pgData: string): Promise<string> {
  const read = (name: string): Promise<string> =>
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- files in PGDATA
    readFile(join(pgData, name), 'utf8').catch((err: unknown) => {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return '';
      throw err;
    });
  const out: string[] = ['# pg_rewind configuration: PGDATA/postgresql.conf with its includes, before the rewind (pg-instance-manager)'];
  for (const line of (await read('postgresql.conf')).split('\n')) {
    const name = /^\s*include(_if_exists)?\b/i.test(line) ? /'([^'/]+)'/.exec(line)?.[1] : undefined;
    if (name !== undefined) out.push(`# --- ${name}`, await read(name));
    else out.push(line);
  }
  return `${out.join('\n')}\n`;
}

/**
 * Writes the configuration file pg_rewind gets as --config-file, at `path` (outside PGDATA); with a
 * `restoreCommand` (an object store is set) it ends with that restore_command, for --restore-target-wal.
 */
export async function writeRewindConfig(pgData: string, path: string, restoreCommand?: string): Promise<void> {
  const text = await inlinedConfig(pgData);
  await writeFileAtomic(path, restoreCommand === undefined ? text : `${text}# --- pg_rewind --restore-target-wal\n${renderConfLine('restore_command', restoreCommand)}`, 0o600);
}

/** Before an attempt: pg_control -> pg_control.old, or back from it when an earlier attempt left it empty. */
export async function guardPgControl(pgData: string): Promise<void> {
  const control = join(pgData, 'global', 'pg_control');
  const old = `${control}.old`;
  // eslint-disable-next-line security/detect-non-literal-fs-filename -- PGDATA
  const size = await stat(control).then((s) => s.size, () => 0);
  if (size > 0) {
     
    await copyFile(control, old);
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- PGDATA
    await chmod(old, 0o600);
    return;
  }
  // eslint-disable-next-line security/detect-non-literal-fs-filename -- PGDATA
  const oldSize = await stat(old).then((s) => s.size, () => 0);
  if (oldSize === 0) throw new ManagerError('PGDATA', `${control} is empty and no ${old} was kept: PGDATA cannot be rewound`);
   
  await copyFile(old, control);
}

/** After a success: pg_control.old goes. */
export async function dropPgControlCopy(pgData: string): Promise<void> {
  // eslint-disable-next-line security/detect-non-literal-fs-filename -- PGDATA
  await unlink(join(pgData, 'global', 'pg_control.old')).catch(() => undefined);
}
