// A real S3 API for the WAL archiving tests: s3rver (npm) as a child process on 127.0.0.1 (child-server.ts),
// on a random port with one bucket. It can be stopped and started again on the same port and data folder (an
// object store outage).
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { freePort, tempDir } from './manager.js';
import { childServer } from './child-server.js';

export const S3_KEY = 'S3RVER';
const S3RVER_BIN = createRequire(import.meta.url).resolve('s3rver/bin/s3rver.js');

export interface S3Server {
  port: number;
  endpoint: string;
  dir: string;
  start(): Promise<void>;
  stop(): Promise<void>;
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
  const tlsArgs = options.tls ? ['--key', options.tls.keyFile, '--cert', options.tls.certFile] : [];
  const handle: S3Server = {
    port,
    endpoint: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    dir,
    ...childServer('s3rver', port, [S3RVER_BIN, '-d', dir, '-a', '127.0.0.1', '-p', String(port), '--configure-bucket', bucket, '--silent', ...tlsArgs]),
  };
  // A start that times out leaves the child running: stopped here, or it would hold the test process open.
  await handle.start().catch(async (err: unknown) => {
    await handle.stop();
    throw err;
  });
  return handle;
}

/** The environment barman-cloud-* needs for s3rver. */
export function s3Env(): Record<string, string> {
  return { ...(process.env as Record<string, string>), AWS_ACCESS_KEY_ID: S3_KEY, AWS_SECRET_ACCESS_KEY: S3_KEY, AWS_DEFAULT_REGION: 'us-east-1' };
}
