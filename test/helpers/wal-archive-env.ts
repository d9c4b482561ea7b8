// The pieces the WAL archiving tests share: a Cluster archiving into s3rver, SQL as the postgres superuser
// over the local socket, the archiver's view (pg_stat_archiver), the status file's ContinuousArchiving
// condition, and barman-cloud-wal-restore of one segment.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { MAIN_JS, REPO_ROOT, manifest, type ManagerHandle } from './manager.js';
import { S3_KEY, s3Env, type S3Server } from './s3-server.js';

/** A manifest archiving to `s3://<bucket>/<path>` on `s3`. */
export function archivingManifest(name: string, s3: S3Server, opts: { bucket?: string; path?: string; extraWal?: string } = {}): string {
  return manifest(
    name,
    [
      'backup:',
      '  barmanObjectStore:',
      `    destinationPath: s3://${opts.bucket ?? 'backups'}/${opts.path ?? name}`,
      `    endpointURL: ${s3.endpoint}`,
      '    s3Credentials:',
      '      accessKeyId: { name: s3-creds, key: ACCESS_KEY_ID }',
      '      secretAccessKey: { name: s3-creds, key: ACCESS_SECRET_KEY }',
      '    wal:',
      '      compression: gzip',
      `      maxParallel: 4${opts.extraWal ?? ''}`,
    ].join('\n'),
  );
}

/** Writes the s3-creds Secret into a state folder before the manager starts. */
export function installS3Secret(stateDir: string, key = S3_KEY, secret: string = S3_KEY): void {
  const dir = join(stateDir, 'secrets', 's3-creds');
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  writeFileSync(join(dir, 'ACCESS_KEY_ID'), key, { mode: 0o644 });
  writeFileSync(join(dir, 'ACCESS_SECRET_KEY'), secret, { mode: 0o644 });
}

/** Runs SQL as postgres over the manager's socket; returns psql's unaligned output. */
export function superSql(h: ManagerHandle, socketDir: string, sql: string): string {
  return execFileSync('runuser', ['-u', 'postgres', '--', 'psql', '-X', '-q', '-At', '-h', socketDir, '-p', String(h.port), '-d', 'postgres', '-c', sql], { encoding: 'utf8' }).trim();
}

/** The socket folder from the 'instance ready' line. */
export async function readySocketDir(h: ManagerHandle): Promise<string> {
  const line = await h.waitForLine((l) => l.msg === 'instance ready', 60_000, 'instance ready');
  return String(line.socketDir);
}

/** Writes about one segment of WAL and switches; returns the name of the segment that was closed. */
export function writeSegment(h: ManagerHandle, socketDir: string): string {
  superSql(h, socketDir, "CREATE TABLE IF NOT EXISTS filler(x text); INSERT INTO filler SELECT repeat(md5(random()::text), 40) FROM generate_series(1, 2000)");
  return superSql(h, socketDir, 'SELECT pg_walfile_name(pg_switch_wal())');
}

/** The ContinuousArchiving condition in the status file, if any. */
export function archivingCondition(h: ManagerHandle): { status: string; reason: string; message: string } | undefined {
  try {
    const status = JSON.parse(readFileSync(join(h.stateDir, 'status.json'), 'utf8')) as { conditions?: { type: string; status: string; reason: string; message: string }[] };
    return status.conditions?.find((c) => c.type === 'ContinuousArchiving');
  } catch {
    return undefined;
  }
}

/** barman-cloud-wal-restore of one WAL into `dest`; the exit status. */
export function barmanRestore(s3: S3Server, dest: string, serverPath: string, server: string, wal: string): Promise<number> {
  const child = spawn('barman-cloud-wal-restore', ['--endpoint-url', s3.endpoint, '--cloud-provider', 'aws-s3', `s3://backups/${serverPath}`, server, wal, dest], { env: s3Env(), stdio: 'ignore' });
  return new Promise((resolve) => child.once('exit', (code) => resolve(code ?? -1)));
}

/** GET /pg/status of the manager (TLS, certificate not checked: a local read). */
export function pgStatus(h: ManagerHandle): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: '127.0.0.1', port: h.statusPort, path: '/pg/status', rejectUnauthorized: false, minVersion: 'TLSv1.3' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => {
        try {
          resolve(JSON.parse(body) as Record<string, unknown>);
        } catch (err) {
          reject(err instanceof Error ? err : new Error(String(err)));
        }
      });
    });
    req.on('error', reject);
    req.end();
  });
}

/** Runs `wal-restore` as PostgreSQL would (postgres user, cwd PGDATA); exit status and milliseconds taken. */
export function runWalRestore(h: ManagerHandle, args: string[], client: 'node' | 'native' = 'node'): { status: number; ms: number; stderr: string } {
  const started = Date.now();
  const program = client === 'node' ? [process.execPath, MAIN_JS] : [join(REPO_ROOT, 'build', 'Release', 'wal-client')];
  const r = spawnSync('runuser', ['-u', 'postgres', '--', ...program, 'wal-restore', '--controller-dir', join(h.stateDir, 'controller'), ...args], { cwd: join(h.stateDir, 'pgdata'), encoding: 'utf8' });
  return { status: r.status ?? -1, ms: Date.now() - started, stderr: r.stderr };
}
