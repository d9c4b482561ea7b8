// Paths for the image tests, from either the compiled (dist/ or .build-*/) or the source location.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));

/** The repository root: the first folder above this file holding package.json. */
export function repoRoot(): string {
  let dir = HERE;
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('package.json not found above the test file');
    dir = up;
  }
  return dir;
}

/** A compiled script next to these compiled tests: <out>/scripts/<name>.js. */
export function compiledScript(name: string): string {
  return join(HERE, '..', '..', '..', 'scripts', `${name}.js`);
}
