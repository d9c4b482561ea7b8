// The Azure archiving tests' set-up: Cluster manifests whose store is a container of Azurite (destinationPath
// http://127.0.0.1:PORT/devstoreaccount1/<container>/<path>, a connection string from a Secret, as barman-cloud
// needs for an emulator), that Secret in a state folder, and barman-cloud-wal-restore of one WAL from Azurite.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { manifest } from './manager.js';
import { azuriteEnv, type AzuriteServer } from './azurite-server.js';

export const AZURE_SECRET = 'azure-creds';
export const AZURE_SECRET_KEY = 'AZURE_CONNECTION_STRING';

/** The barmanObjectStore lines (indented for spec) of `<container>/<path>` on `azurite`, server name `path`. */
export function azureStoreLines(azurite: AzuriteServer, path: string, opts: { container?: string; secret?: string } = {}): string[] {
  return [
    `destinationPath: ${azurite.accountUrl}/${opts.container ?? 'backups'}/${path}`,
    `serverName: ${path}`,
    'azureCredentials:',
    `  connectionString: { name: ${opts.secret ?? AZURE_SECRET}, key: ${AZURE_SECRET_KEY} }`,
    'wal:',
    '  compression: gzip',
    '  maxParallel: 4',
    // A spread checkpoint under a writer takes checkpoint_timeout * checkpoint_completion_target (4.5 min).
    'data:',
    '  immediateCheckpoint: true',
  ];
}

/** A Cluster archiving to Azurite, with `extra` spec lines (bootstrap, externalClusters...). */
export function azureManifest(name: string, azurite: AzuriteServer, path: string, opts: { container?: string; extra?: string[] } = {}): string {
  const store = azureStoreLines(azurite, path, opts.container ? { container: opts.container } : {});
  return manifest(name, ['backup:', '  barmanObjectStore:', ...store.map((l) => `    ${l}`), ...(opts.extra ?? [])].join('\n'));
}

/** Writes the connection-string Secret `secret` into a state folder (readable by the manager's run user). */
export function installAzureSecret(stateDir: string, connectionString: string, secret = AZURE_SECRET): void {
  const dir = join(stateDir, 'secrets', secret);
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  writeFileSync(join(dir, AZURE_SECRET_KEY), connectionString, { mode: 0o644 });
  execFileSync('chown', ['-R', 'postgres:postgres', stateDir]);
}

/** barman-cloud-wal-restore of one WAL from `<container>/<path>` on Azurite into `dest`; the exit status. */
export function barmanAzureRestore(azurite: AzuriteServer, path: string, wal: string, dest: string): Promise<number> {
  const args = ['--cloud-provider', 'azure-blob-storage', `${azurite.accountUrl}/backups/${path}`, path, wal, dest];
  const child = spawn('barman-cloud-wal-restore', args, { env: azuriteEnv(azurite), stdio: 'ignore' });
  return new Promise((resolve) => child.once('exit', (code) => resolve(code ?? -1)));
}
