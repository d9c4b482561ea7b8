// The backup tests' set-up: a Cluster manifest with the embedded object store (s3rver on a free port) and
// a stand-in for `wal-archive` until the archive branch's subcommand lands: PGIM_MANAGER_COMMAND points
// archive_command at a shell script that runs barman-cloud-wal-archive itself with the store's generated
// key, read from the secrets folder at each call (so it is never in the manager's environment or argv).
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The Cluster manifest: `name`, the embedded store on `storePort` at s3://backups/<path>, extra spec lines. */
export function backupManifest(name: string, storePort: number, path: string, extraSpec: string[] = []): string {
  return [
    'apiVersion: postgresql.cnpg.io/v1',
    'kind: Cluster',
    'metadata:',
    `  name: ${name}`,
    '  annotations:',
    '    pg-instance-manager/embedded-object-store: enabled',
    'spec:',
    '  instances: 1',
    '  smartShutdownTimeout: 5',
    '  stopDelay: 30',
    '  backup:',
    '    barmanObjectStore:',
    `      destinationPath: s3://backups/${path}`,
    `      endpointURL: http://127.0.0.1:${storePort}`,
    `      serverName: ${path}`,
    '      s3Credentials:',
    `        accessKeyId: { name: ${name}-objectstore, key: ACCESS_KEY_ID }`,
    `        secretAccessKey: { name: ${name}-objectstore, key: ACCESS_SECRET_KEY }`,
    ...extraSpec.map((l) => `  ${l}`),
  ].join('\n') + '\n';
}

/** Writes the wal-archive stand-in into `dir` and returns the env that makes archive_command run it. */
export function walArchiveShim(dir: string, stateDir: string, name: string, storePort: number, path: string): Record<string, string> {
  const script = join(dir, 'wal-archive-shim.sh');
  const secrets = join(stateDir, 'secrets', `${name}-objectstore`);
  writeFileSync(
    script,
    [
      '#!/bin/sh',
      '# test stand-in for `pg-instance-manager wal-archive ... %p` (the last argument is the WAL path)',
      'for wal; do :; done',
      `AWS_ACCESS_KEY_ID=$(cat '${secrets}/ACCESS_KEY_ID') AWS_SECRET_ACCESS_KEY=$(cat '${secrets}/ACCESS_SECRET_KEY') AWS_DEFAULT_REGION=us-east-1 \\`,
      `  exec /usr/bin/barman-cloud-wal-archive --endpoint-url http://127.0.0.1:${storePort} --cloud-provider aws-s3 s3://backups/${path} ${path} "$wal"`,
      '',
    ].join('\n'),
  );
  chmodSync(script, 0o755);
  return { PGIM_MANAGER_COMMAND: script };
}

/** A Backup file of the embedded default, or undefined. */
export function backupFile(stateDir: string, name: string): { status?: Record<string, unknown> } | undefined {
  try {
    return JSON.parse(readFileSync(join(stateDir, 'backups', `${name}.json`), 'utf8')) as { status?: Record<string, unknown> };
  } catch {
    return undefined;
  }
}
