// A real S3 API for the WAL archiving tests: s3rver (npm) as a child process on 127.0.0.1, on a random port
// with one bucket. It can be stopped and started again on the same port and data folder (an object store
// outage). A child, not in-process: the tests run psql synchronously, which would freeze an in-process server.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { connect } from 'node:net';
import { join } from 'node:path';
import { freePort, tempDir } from './manager.js';
import { waitUntil } from './lifecycle-procs.js';

export const S3_KEY = 'S3RVER';
const S3RVER_BIN = createRequire(import.meta.url).resolve('s3rver/bin/s3rver.js');

export interface S3Server {
  port: number;
  endpoint: string;
  dir: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1', () => (s.destroy(), resolve(true)));
    s.on('error', () => resolve(false));
  });
}

export interface S3ServerOptions {
  /** Serve HTTPS with this key and certificate (PEM files); the endpoint is then https://127.0.0.1:PORT. */
  tls?: { keyFile: string; certFile: string };
}

/** Starts s3rver with `bucket` configured (plain HTTP unless `options.tls`). */
export async function startS3Server(bucket = 'backups', options: S3ServerOptions = {}): Promise<S3Server> {
  const port = await freePort();
  const dir = join(tempDir('pgim-s3-'), 'data');
  mkdirSync(dir, { recursive: true });
  let child: ChildProcess | undefined;
  const tlsArgs = options.tls ? ['--key', options.tls.keyFile, '--cert', options.tls.certFile] : [];
  const handle: S3Server = {
    port,
    endpoint: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    dir,
    async start() {
      child = spawn(process.execPath, [S3RVER_BIN, '-d', dir, '-a', '127.0.0.1', '-p', String(port), '--configure-bucket', bucket, '--silent', ...tlsArgs], { stdio: 'ignore' });
      await waitUntil(async () => (await listening(port)) || undefined, 20_000, 's3rver listening');
    },
    async stop() {
      const c = child;
      child = undefined;
      if (!c || c.exitCode !== null) return;
      const exited = new Promise((resolve) => c.once('exit', resolve));
      c.kill('SIGKILL');
      await exited;
    },
  };
  await handle.start();
  return handle;
}

/** The environment barman-cloud-* needs for s3rver. */
export function s3Env(): Record<string, string> {
  return { ...(process.env as Record<string, string>), AWS_ACCESS_KEY_ID: S3_KEY, AWS_SECRET_ACCESS_KEY: S3_KEY, AWS_DEFAULT_REGION: 'us-east-1' };
}
