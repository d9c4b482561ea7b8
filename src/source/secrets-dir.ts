// A folder that stands in for the Secrets of a namespace: one folder per Secret, one file per key,
// the layout of a Secret mounted into a pod (dot-entries such as `..data` are the kubelet's and skipped).
import { readdir, mkdir, rename, rm, open } from 'node:fs/promises';
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { CONFIG_VALUE_MAX_BYTES } from '../config/limits.js';
import { ManagerError } from '../errors.js';
import { assertPathComponent } from '../files/path-component.js';
import { FileReadError, readBounded } from './read-bounded.js';
import type { SecretObject } from '../model/objects.js';
import { writeFileAtomic } from '../files/write-file-atomic.js';

function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** Reads one Secret folder; undefined when the folder does not exist. */
export async function readSecretDir(root: string, name: string): Promise<SecretObject | undefined> {
  assertPathComponent(name);
  const dir = join(root, name);
  let entries: string[];
  try {
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- a folder under the configured secrets dir
    entries = (await readdir(dir)).filter((e) => !e.startsWith('.')).sort();
  } catch (err) {
    if (isMissing(err)) return undefined;
    throw new ManagerError('INVALID_SECRET', `reading secret folder ${dir}: ${(err as Error).message}`, { cause: err });
  }
  // The key files are read side by side (a Secret has up to a dozen), then hashed in name order. Each is
  // capped as the API server caps a whole Secret, and a FIFO or a device is refused rather than read.
  const contents = await Promise.all(entries.map(async (key) => [key, await readKeyFile(join(dir, key))] as const));
  const data: Record<string, Buffer> = {};
  const hash = createHash('sha256');
  for (const [key, bytes] of contents) {
    // eslint-disable-next-line security/detect-object-injection -- keys are file names we just listed
    data[key] = bytes;
    hash.update(key).update('\0').update(bytes).update('\0');
  }
  return { name, data, resourceVersion: hash.digest('hex').slice(0, 16), annotations: {} };
}

async function readKeyFile(path: string): Promise<Buffer> {
  try {
    return await readBounded(path, CONFIG_VALUE_MAX_BYTES);
  } catch (err) {
    if (err instanceof FileReadError) throw new ManagerError('INVALID_SECRET', `value file ${err.message}`, { cause: err });
    throw err;
  }
}

/** Creates a Secret folder atomically (temp folder + rename); never overwrites an existing one. */
export async function createSecretDir(root: string, name: string, data: Record<string, Buffer>): Promise<void> {
  assertPathComponent(name);
  for (const key of Object.keys(data)) assertPathComponent(key);
  // eslint-disable-next-line security/detect-non-literal-fs-filename -- the configured secrets dir
  await mkdir(root, { recursive: true, mode: 0o700 });
  const temp = join(root, `.${name}.${randomBytes(6).toString('hex')}.tmp`);
  // eslint-disable-next-line security/detect-non-literal-fs-filename -- our temp folder
  await mkdir(temp, { mode: 0o700 });
  try {
    for (const [key, bytes] of Object.entries(data)) {
      // eslint-disable-next-line security/detect-non-literal-fs-filename -- a key file in our temp folder
      const handle = await open(join(temp, key), 'wx', 0o600);
      try {
        await handle.writeFile(bytes);
        await handle.sync();
      } finally {
        await handle.close();
      }
    }
    const target = join(root, name);
    if ((await readSecretDir(root, name)) !== undefined) {
      throw new ManagerError('INVALID_SECRET', `secret ${name} already exists in ${root}: not overwriting it`);
    }
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- temp folder -> secret folder
    await rename(temp, target);
  } catch (err) {
     
    await rm(temp, { recursive: true, force: true });
    throw err;
  }
}

/** Rewrites keys of an existing Secret folder, each atomically (a dot-named temp file, skipped by readers). */
export async function updateSecretKeys(root: string, name: string, data: Record<string, Buffer>): Promise<void> {
  assertPathComponent(name);
  for (const [key, bytes] of Object.entries(data)) {
    assertPathComponent(key);
    await writeFileAtomic(join(root, name, key), bytes, 0o600);
  }
}

/** A cheap fingerprint of every Secret folder, used to notice edits while running, and the folders it read. */
export async function fingerprintSecretsDir(root: string): Promise<{ fingerprint: string; folders: string[] }> {
  const hash = createHash('sha256');
  let names: string[];
  try {
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- the configured secrets dir
    names = (await readdir(root)).filter((e) => !e.startsWith('.')).sort();
  } catch (err) {
    if (isMissing(err)) return { fingerprint: 'none', folders: [] };
    throw err;
  }
  const folders = [root];
  for (const name of names) {
    const secret = await readSecretDir(root, name).catch(() => undefined);
    hash.update(name).update('\0').update(secret?.resourceVersion ?? '-');
    if (secret) folders.push(join(root, name));
  }
  return { fingerprint: hash.digest('hex'), folders };
}
