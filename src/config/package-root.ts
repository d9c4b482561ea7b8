// The installed package's root folder (package.json, image/, build/Release), found by walking up from this
// module: the same answer from dist/src/... (tsc output), from the bundle in dist/bundle/ and in the image.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const NAME = 'pg-instance-manager';
let cached: string | undefined;

function isOurs(dir: string): boolean {
  const file = join(dir, 'package.json');
  // eslint-disable-next-line security/detect-non-literal-fs-filename -- package.json in an ancestor of this module
  if (!existsSync(file)) return false;
  try {
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- same
    return (JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown }).name === NAME;
  } catch {
    return false;
  }
}

/** The folder holding our package.json; throws when the module was copied out of its package. */
export function packageRoot(): string {
  if (cached !== undefined) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (isOurs(dir)) return (cached = dir);
    const up = dirname(dir);
    if (up === dir) throw new Error(`cannot find the ${NAME} package root above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
}

/** A path inside the package root. */
export function packagePath(...parts: string[]): string {
  return join(packageRoot(), ...parts);
}
