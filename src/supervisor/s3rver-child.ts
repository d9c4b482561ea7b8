// The embedded object store's process (run by object-store.ts, never imported): the npm package s3rver on
// 127.0.0.1, with the access key generated into the secrets folder instead of s3rver's well-known
// S3RVER/S3RVER pair, which is revoked. Port, folder and bucket come from argv; the keys from the environment
// (never argv: /proc/PID/cmdline is world-readable).
import { createRequire } from 'node:module';

interface S3rverModule {
  new (options: Record<string, unknown>): { run(): Promise<{ port: number }>; close(): Promise<void> };
}
interface AccountModule {
  DUMMY_ACCOUNT: { createKeyPair(id: string, secret: string): void; revokeAccessKey(id: string): void };
}

const require = createRequire(import.meta.url);
const [port, directory, bucket] = process.argv.slice(2);
const id = process.env.S3_ACCESS_KEY_ID ?? '';
const secret = process.env.S3_SECRET_ACCESS_KEY ?? '';
if (!port || !directory || !bucket || id === '' || secret === '') {
  process.stderr.write('usage: s3rver-child PORT DIR BUCKET with S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY set\n');
  process.exit(2);
}
delete process.env.S3_ACCESS_KEY_ID;
delete process.env.S3_SECRET_ACCESS_KEY;
// s3rver is a development dependency (npm ci installs it; the production image, pruned with --omit=dev, has
// none): without it the embedded default says so instead of a module stack.
let S3rver: S3rverModule;
let account: AccountModule;
try {
  S3rver = require('s3rver') as S3rverModule;
  account = require('s3rver/lib/models/account') as AccountModule;
} catch {
  process.stderr.write('the embedded object store needs the npm package s3rver, a development dependency installed by `npm ci`; or point spec.backup.barmanObjectStore at a real object store\n');
  process.exit(3);
}
account.DUMMY_ACCOUNT.revokeAccessKey('S3RVER');
account.DUMMY_ACCOUNT.createKeyPair(id, secret);
const server = new S3rver({ address: '127.0.0.1', port: Number(port), directory, silent: true, configureBuckets: [{ name: bucket }] });
await server.run();
process.stdout.write(`listening on 127.0.0.1:${port}\n`);
const stop = (): void => void server.close().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
