// Locates test/fixtures/pgfiles from the compiled test file, whatever the build output directory is called.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
function findFixturesDir() {
    let dir = dirname(fileURLToPath(import.meta.url));
    for (;;) {
        const candidate = join(dir, 'test', 'fixtures', 'pgfiles');
        if (existsSync(candidate))
            return candidate;
        const parent = resolve(dir, '..');
        if (parent === dir)
            throw new Error('test/fixtures/pgfiles not found above the test file');
        dir = parent;
    }
}
/** The bytes of a hand-written fixture, as a string. */
export function readFixture(name) {
    return readFileSync(join(findFixturesDir(), name), 'utf8');
}
//# sourceMappingURL=fixture-path.js.map