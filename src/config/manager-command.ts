// The command line PostgreSQL runs for archive_command and restore_command: this manager again, as a
// short-lived `wal-archive` / `wal-restore` (CNPG runs `/controller/manager wal-archive ...`,
// pkg/postgres/configuration.go). In the image that is the launcher; from a checkout, this Node and this script.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { packagePath } from './package-root.js';

/** Quotes one word for /bin/sh, which PostgreSQL runs archive_command through (system(3)). */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * How PostgreSQL runs the WAL subcommands: PGIM_MANAGER_COMMAND when set (the image's /controller/manager);
 * else the native client built beside the addon (build/Release/wal-client, src/native/wal-client.c: ~1 ms to
 * start instead of 100-300 ms for Node, once per WAL segment); else this Node with the bundle's one-file
 * `wal-main.js` beside the running script; else the running script itself.
 */
export function managerCommand(env: Readonly<Record<string, string | undefined>> = process.env): string {
  const fixed = env.PGIM_MANAGER_COMMAND;
  if (fixed !== undefined && fixed !== '') return fixed;
  const native = nativeWalClient();
  if (native !== undefined) return shellQuote(native);
  const script = process.argv[1] ?? '';
  const walMain = join(dirname(script), 'wal-main.js');
  // eslint-disable-next-line security/detect-non-literal-fs-filename -- beside our own entry script
  return [process.execPath, existsSync(walMain) ? walMain : script].map(shellQuote).join(' ');
}

/** The socket of the local-only channel the WAL subcommands use, in the controller's run folder. */
export function walChannelSocket(controllerRoot: string): string {
  return `${controllerRoot.replace(/\/+$/, '')}/run/wal-channel/channel.sock`;
}

function nativeWalClient(): string | undefined {
  try {
    const path = packagePath('build', 'Release', 'wal-client');
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- inside our package
    return existsSync(path) ? path : undefined;
  } catch {
    return undefined; // copied out of the package (a test's temp copy): the Node entry serves
  }
}

/**
 * restore_command for `pg_rewind --restore-target-wal`: `wal-restore --rewind` (no prefetch, no end-of-stream
 * flag), as CNPG writes it for the rewind (instance.go configurePostgresOverrideConfFileForRewind).
 */
export function rewindRestoreCommand(controllerRoot: string, logDir: string): string {
  const args = ['wal-restore', '--rewind', '--log-destination', `${logDir}/postgres.json`, '--controller-dir', controllerRoot].map(shellQuote);
  return `${managerCommand()} ${args.join(' ')} %f %p`;
}

/** restore_command of a replica cluster's designated primary: `wal-restore` (CNPG's replica override.conf). */
export function walRestoreCommand(controllerRoot: string, logDir: string): string {
  const args = ['wal-restore', '--log-destination', `${logDir}/postgres.json`, '--controller-dir', controllerRoot].map(shellQuote);
  return `${managerCommand()} ${args.join(' ')} %f %p`;
}
