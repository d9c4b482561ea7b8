// Test helper: the logpipe fixtures, read from the source tree whichever outDir the tests were compiled into.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
export const FIXTURES_DIR = fileURLToPath(new URL('../../../../test/fixtures/logpipe/', import.meta.url));
export function fixture(name) {
    return readFileSync(`${FIXTURES_DIR}${name}`);
}
//# sourceMappingURL=fixtures.js.map