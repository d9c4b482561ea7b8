// The command line PostgreSQL runs for archive_command and restore_command: this manager again, as a
// short-lived `wal-archive` / `wal-restore` (CNPG runs `/controller/manager wal-archive ...`,
// pkg/postgres/configuration.go). In the image that is the launcher; from a checkout, this Node and this script.

/** Quotes one word for /bin/sh, which PostgreSQL runs archive_command through (system(3)). */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** How to run this manager from a shell: PGIM_MANAGER_COMMAND when set, else `node <this script>`. */
export function managerCommand(env: Readonly<Record<string, string | undefined>> = process.env): string {
  const fixed = env.PGIM_MANAGER_COMMAND;
  if (fixed !== undefined && fixed !== '') return fixed;
  return [process.execPath, process.argv[1] ?? ''].map(shellQuote).join(' ');
}

/** The socket of the local-only channel the WAL subcommands use, in the controller's run folder. */
export function walChannelSocket(controllerRoot: string): string {
  return `${controllerRoot.replace(/\/+$/, '')}/run/wal-channel/channel.sock`;
}
