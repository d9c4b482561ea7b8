// Where the built manager is, from dist/test/helpers/ or test/helpers/ (no imports of other helpers).
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', ...(import.meta.url.includes('/dist/') ? ['..'] : []));
/** The ESM entry point `npm run build` makes (scripts/bundle.mjs). */
export const MAIN_JS = join(REPO_ROOT, 'dist', 'bundle', 'main.js');
