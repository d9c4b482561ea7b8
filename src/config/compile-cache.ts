// V8's compile cache (node:module enableCompileCache, Node >= 22.1) kept in a folder only we can write:
// cached code is executed as ours, so a folder another user could write to would let them run code in the
// manager. Imports only Node built-ins: it runs before the CLI is loaded.
import module from 'node:module';
import { lstatSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

type EnableCompileCache = (dir: string) => unknown;

/**
 * The cache folder for `uid` under `tmp`, created 0700; undefined when the cache must not be used: turned off
 * (PGIM_COMPILE_CACHE=off), running as root (privileges are dropped later, and a root-owned cache is no use
 * then), or the folder is a symlink, not ours, or open to others.
 */
export function compileCacheDir(env: NodeJS.ProcessEnv, uid: number | undefined, tmp: string): string | undefined {
  if (env['PGIM_COMPILE_CACHE'] === 'off' || uid === undefined || uid === 0) return undefined;
  const dir = join(tmp, `pgim-compile-cache-${uid}`);
  try {
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- a fixed name under TMPDIR
    mkdirSync(dir, { mode: 0o700 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') return undefined;
  }
  // eslint-disable-next-line security/detect-non-literal-fs-filename -- same
  const st = lstatSync(dir, { throwIfNoEntry: false });
  if (!st?.isDirectory() || st.uid !== uid || (st.mode & 0o077) !== 0) return undefined;
  return dir;
}

/** Turns the compile cache on when this Node has it and a safe folder exists; silent otherwise. */
export function enableCompileCache(env: NodeJS.ProcessEnv): string | undefined {
  const enable = (module as unknown as { enableCompileCache?: EnableCompileCache }).enableCompileCache;
  if (typeof enable !== 'function') return undefined;
  const dir = compileCacheDir(env, process.getuid?.(), tmpdir());
  if (dir !== undefined) enable(dir);
  return dir;
}
