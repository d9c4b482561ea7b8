// Atomic file writes: compare, write a temp file, fsync it, rename over the target, fsync the directory.
// Readers (postgres reloading pg_hba.conf, a kubelet probe reading a certificate) never see half a file.
import { open, readFile, rename, mkdir, unlink, chmod } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import { randomBytes } from 'node:crypto';

export interface WriteResult {
  path: string;
  changed: boolean;
}

async function readIfExists(path: string): Promise<Buffer | undefined> {
  try {
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- path is a manager-owned file under PGDATA or /controller
    return await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** fsync(2) on a folder: makes the creation, rename or removal of its entries durable. */
export async function fsyncDir(dir: string): Promise<void> {
  // eslint-disable-next-line security/detect-non-literal-fs-filename -- the parent directory of a managed file
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Writes `content` to `path` with `mode` unless the file already holds exactly these bytes.
 * Returns `changed` so the caller decides between reload, restart and nothing. The parent directory is
 * created with 0700 when missing. The mode is enforced even when the content is unchanged.
 */
export async function writeFileAtomic(path: string, content: string | Buffer, mode: number): Promise<WriteResult> {
  const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  const existing = await readIfExists(path);
  if (existing !== undefined && existing.equals(bytes)) {
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- same managed path
    await chmod(path, mode);
    return { path, changed: false };
  }
  const dir = dirname(path);
  // eslint-disable-next-line security/detect-non-literal-fs-filename -- parent of a managed file
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const temp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  // eslint-disable-next-line security/detect-non-literal-fs-filename -- temp file next to the target
  const handle = await open(temp, 'wx', mode);
  try {
    await handle.writeFile(bytes);
    await handle.chmod(mode);
    await handle.sync();
  } catch (err) {
    await handle.close();
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- our own temp file
    await unlink(temp).catch(() => undefined);
    throw err;
  }
  await handle.close();
  try {
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- temp and target are managed paths
    await rename(temp, path);
  } catch (err) {
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- our own temp file
    await unlink(temp).catch(() => undefined);
    throw err;
  }
  await fsyncDir(dir);
  return { path, changed: true };
}
