// The embedded object store of the embedded default: s3rver (s3rver-child.ts) as a supervised child of the
// manager, started before the bootstrap (archiving and recovery need it) and stopped after postgres. Its
// data lives under the state folder; a child that exits on its own ends the part, so the manager stops
// rather than archiving into nothing.
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { ManagerError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { ChildRegistry } from './child-registry.js';
import { inheritedEnv, spawnProcess } from './spawn.js';
import { reemitLines } from '../log/child-output.js';

export interface EmbeddedStoreOptions {
  port: number;
  directory: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  registry: ChildRegistry;
  log: Logger;
}

function childEntry(): string {
  const candidates = ['./s3rver-child.js', '../s3rver-child.js', '../supervisor/s3rver-child.js'].map((p) => fileURLToPath(new URL(p, import.meta.url)));
  // eslint-disable-next-line security/detect-non-literal-fs-filename -- fixed paths inside our own package
  const found = candidates.find((p) => existsSync(p));
  if (found === undefined) throw new ManagerError('BACKUP', `embedded object store not found (looked for ${candidates.join(', ')}): run npm run build`);
  return found;
}

/** Runs the store until `signal` aborts; `ready` once it listens. Rejects when it exits on its own. */
export async function runEmbeddedStore(o: EmbeddedStoreOptions, signal: AbortSignal, ready: () => void): Promise<void> {
  // eslint-disable-next-line security/detect-non-literal-fs-filename -- under the state folder
  await mkdir(o.directory, { recursive: true, mode: 0o700 });
  const env = { ...inheritedEnv(['S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY']), S3_ACCESS_KEY_ID: o.accessKeyId, S3_SECRET_ACCESS_KEY: o.secretAccessKey };
  const child = await spawnProcess(process.execPath, [childEntry(), String(o.port), o.directory, o.bucket], { registry: o.registry, env, stdout: 'pipe', stderr: 'pipe', errorCode: 'BACKUP' });
  let listening = false;
  const out = child.subprocess.stdout;
  if (out) void reemitLines(out, o.log, { source: 'stdout' }, { onLine: (l) => {
    if (!listening && l.startsWith('listening')) {
      listening = true;
      o.log.info({ endpoint: `http://127.0.0.1:${o.port}`, directory: o.directory }, 'embedded object store started');
      ready();
    }
  } });
  if (child.subprocess.stderr) void reemitLines(child.subprocess.stderr, o.log, { source: 'stderr' });
  const stop = (): void => void child.subprocess.kill('SIGTERM');
  signal.addEventListener('abort', stop, { once: true });
  const exit = await child.exited;
  signal.removeEventListener('abort', stop);
  // Exit code 3: s3rver-child.ts found no s3rver package (a development dependency).
  if (!signal.aborted && exit.exitCode === 3) throw new ManagerError('BACKUP', 'the embedded object store needs the npm package s3rver (a development dependency: run `npm ci`), or point spec.backup.barmanObjectStore at a real object store');
  if (!signal.aborted) throw new ManagerError('BACKUP', `the embedded object store exited (${exit.signal ?? `exit code ${String(exit.exitCode)}`})${listening ? '' : ' before it listened (is the port of endpointURL free?)'}`);
}
