// The backup tests' set-up: a Cluster manifest with the embedded object store (s3rver on a free port),
// archiving through the manager's own wal-archive, and the Backup files the embedded default writes.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitUntil } from './lifecycle-procs.js';

/** The Cluster manifest: `name`, the embedded store on `storePort` at s3://backups/<path>, extra spec lines, retention. */
export function backupManifest(name: string, storePort: number, path: string, extraSpec: string[] = [], retentionPolicy?: string): string {
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
    ...(retentionPolicy ? [`    retentionPolicy: ${retentionPolicy}`] : []),
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

/** A Backup file of the embedded default, or undefined. */
export function backupFile(stateDir: string, name: string): { status?: Record<string, unknown> } | undefined {
  try {
    return JSON.parse(readFileSync(join(stateDir, 'backups', `${name}.json`), 'utf8')) as { status?: Record<string, unknown> };
  } catch {
    return undefined;
  }
}

/** The status of Backup `name` once it ended (completed or failed), waited for up to `ms`. */
export async function backupEnded(stateDir: string, name: string, ms = 120_000): Promise<Record<string, unknown>> {
  return waitUntil(() => {
    const s = backupFile(stateDir, name)?.status;
    return s && (s.phase === 'completed' || s.phase === 'failed') ? s : false;
  }, ms, `Backup ${name} to finish`, 200);
}

/** Runs the manager's CLI with `args` only (no harness flags); resolves with its exit code and output. */
export async function runManagerCommandRaw(args: readonly string[], timeoutMs = 60_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const { spawn } = await import('node:child_process');
  const { MAIN_JS } = await import('./paths.js');
  const proc = spawn(process.execPath, [MAIN_JS, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PGDATA: '' } });
  let stdout = '';
  let stderr = '';
  proc.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  proc.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
  const code = await new Promise<number | null>((res) => proc.once('close', (c: number | null) => res(c)));
  clearTimeout(timer);
  return { code, stdout, stderr };
}
