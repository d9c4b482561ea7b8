// Typed loader for the small N-API addon in os-calls.c (built by `npm run build` with node-gyp).
import { createRequire } from 'node:module';
import { ManagerError } from '../errors.js';
import { packagePath } from '../config/package-root.js';

export interface ReapResult {
  pid: number;
  exitCode: number | null;
  signal: number | null;
}

interface OsCalls {
  reap(pid: number): ReapResult | null;
  setChildSubreaper(on: boolean): void;
  mkfifo(path: string, mode: number): void;
  /** glibc malloc_trim(0): returns free heap pages of all arenas to the kernel; true when some were. */
  mallocTrim(): boolean;
}

let loaded: OsCalls | undefined;

/** The addon, loaded on first use from build/Release (relative to the package root). */
export function osCalls(): OsCalls {
  if (loaded) return loaded;
  const require = createRequire(import.meta.url);
  const file = packagePath('build', 'Release', 'os_calls.node');
  try {
    // eslint-disable-next-line security/detect-non-literal-require -- the addon inside our own package
    loaded = require(file) as OsCalls;
    return loaded;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw err;
  }
  throw new ManagerError('INTERNAL', 'native addon build/Release/os_calls.node is missing: run `npm run build`');
}
