// argv of the barman-cloud tools, in the order CNPG builds them (barman-cloud pkg/backup/backup.go,
// pkg/catalog, pkg/restorer, pkg/command): options first, then destination and server name, so that no
// variadic option (--tags) can swallow the destination. Pure: store in, argv out.
import type { ObjectStore } from './object-store.js';

// --endpoint-url, --cloud-provider and Azure's --credential, shared by every tool (barman-cloud
// pkg/command/commandbuilder.go: inheritFromAzureAD adds `--credential managed-identity`).
function cloudOptions(store: ObjectStore): string[] {
  return [
    ...(store.endpointURL ? ['--endpoint-url', store.endpointURL] : []),
    '--cloud-provider', store.cloudProvider,
    ...(store.azureManagedIdentity ? ['--credential', 'managed-identity'] : []),
  ];
}

// barman 3.4 knows --gzip, --bzip2 and --snappy for base backups (lz4/zstd are not options there).
function compressionFlag(compression: string | undefined): string[] {
  return compression ? [`--${compression}`] : [];
}

/**
 * `extra` appended to `options` as barman-cloud's appendAdditionalCommandArgs does (pkg/api/config.go): an
 * argument whose key (the part before "=") is already one of the options, or is empty, is dropped.
 */
export function appendAdditionalArgs(options: readonly string[], extra: readonly string[] = []): string[] {
  const keys = new Set(options.map((o) => o.split('=')[0] ?? '').filter((k) => k !== ''));
  const out = [...options];
  for (const arg of extra) {
    const key = arg.split('=')[0] ?? '';
    if (key === '' || keys.has(key)) continue;
    out.push(arg);
  }
  return out;
}

/**
 * barman-cloud-backup: `--user postgres --name NAME`, compression, encryption, checkpoint, jobs, then
 * data.additionalCommandArgs (GetDataConfiguration), cloud options, dest, server.
 */
export function backupArgs(store: ObjectStore, name: string, conn: { host: string; port: number }): string[] {
  const d = store.data;
  const options = appendAdditionalArgs([
    '--user', 'postgres', '--name', name,
    ...compressionFlag(d.compression),
    ...(d.encryption ? ['--encryption', d.encryption] : []),
    ...(d.immediateCheckpoint ? ['--immediate-checkpoint'] : []),
    ...(d.jobs !== undefined ? ['--jobs', String(d.jobs)] : []),
  ], d.additionalCommandArgs);
  return [
    ...options,
    '--host', conn.host, '--port', String(conn.port),
    ...cloudOptions(store),
    store.destinationPath, store.serverName,
  ];
}

/** barman-cloud-backup-show --format json ... dest server id|name. */
export function backupShowArgs(store: ObjectStore, backup: string): string[] {
  return ['--format', 'json', ...cloudOptions(store), store.destinationPath, store.serverName, backup];
}

/** barman-cloud-backup-list --format json ... dest server. */
export function backupListArgs(store: ObjectStore): string[] {
  return ['--format', 'json', ...cloudOptions(store), store.destinationPath, store.serverName];
}

/** barman-cloud-backup-delete ... --retention-policy POLICY dest server. */
export function backupDeleteArgs(store: ObjectStore, policy: string): string[] {
  return [...cloudOptions(store), '--retention-policy', policy, store.destinationPath, store.serverName];
}

/** barman-cloud-check-wal-archive ... dest server (exit 1: "Expected empty archive"). */
export function checkWalArchiveArgs(store: ObjectStore): string[] {
  return [...cloudOptions(store), store.destinationPath, store.serverName];
}

/** barman-cloud-restore ... dest server backupId recoveryDir. */
export function restoreArgs(store: ObjectStore, backupId: string, into: string, tablespaces: readonly { name: string; location: string }[] = []): string[] {
  // `--tablespace NAME:LOCATION` relocates one tablespace (barman cloud_restore.py tablespace_map).
  const relocate = tablespaces.flatMap((t) => ['--tablespace', `${t.name}:${t.location}`]);
  return [...cloudOptions(store), ...relocate, store.destinationPath, store.serverName, backupId, into];
}

/** barman-cloud-wal-restore ... dest server WAL destPath. */
export function walRestoreArgs(store: ObjectStore, wal: string, into: string): string[] {
  return [...cloudOptions(store), store.destinationPath, store.serverName, wal, into];
}

/** CNPG's barman backup name: `backup-<YYYYMMDDHHMMSS>` in UTC (pkg/management/postgres/backup.go). */
export function barmanBackupName(now: Date): string {
  return `backup-${now.toISOString().replace(/[-:T]/g, '').slice(0, 14)}`;
}
