// Locates the repository root from a compiled test file, so tests read fixtures from the source tree
// whatever --outDir the build used.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
/** The nearest ancestor of this file holding package.json (the repository root). */
export function repoRoot() {
    let dir = dirname(fileURLToPath(import.meta.url));
    while (!existsSync(join(dir, 'package.json'))) {
        const parent = dirname(dir);
        if (parent === dir)
            throw new Error('package.json not found above the test file');
        dir = parent;
    }
    return dir;
}
/** test/fixtures/manifests in the source tree. */
export function manifestFixture(name) {
    return join(repoRoot(), 'test', 'fixtures', 'manifests', name);
}
//# sourceMappingURL=repo-paths.js.map