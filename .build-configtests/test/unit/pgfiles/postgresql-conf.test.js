import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ensureIncludes } from '../../../src/pgfiles/postgresql-conf.js';
const BOTH = "\n# load CloudNativePG custom.conf configuration\ninclude 'custom.conf'\n" +
    "\n# load CloudNativePG override.conf configuration\ninclude 'override.conf'\n";
test('ensureIncludes appends both includes to an initdb file, then is idempotent', () => {
    const initdb = "max_connections = 100\t\t# (change requires restart)\n";
    const first = ensureIncludes(initdb);
    assert.equal(first.changed, true);
    assert.equal(first.text, initdb + BOTH);
    const second = ensureIncludes(first.text);
    assert.deepEqual(second, { text: first.text, changed: false });
});
test('ensureIncludes adds a newline first when the file does not end with one', () => {
    assert.equal(ensureIncludes('port = 5432').text, `port = 5432\n${BOTH}`);
    assert.equal(ensureIncludes('').text, BOTH);
});
test('ensureIncludes only adds what is missing', () => {
    const text = "include 'custom.conf'\n";
    const result = ensureIncludes(text);
    assert.equal(result.text, `${text}\n# load CloudNativePG override.conf configuration\ninclude 'override.conf'\n`);
});
test('a commented-out include does not count', () => {
    for (const text of ["#include 'custom.conf'\n# include 'override.conf'\n", "  # include 'custom.conf' include 'override.conf'\n"]) {
        const result = ensureIncludes(text);
        assert.equal(result.changed, true);
        assert.equal(result.text, text + BOTH);
    }
});
test('other spellings of the same directive count; other files do not', () => {
    const present = "include = 'custom.conf'   # ours\n  INCLUDE override.conf\n";
    assert.equal(ensureIncludes(present).changed, false);
    const others = "include 'other/custom.conf'\ninclude_if_exists 'override.conf'\nmy.include = 'custom.conf'\n";
    assert.equal(ensureIncludes(others).text, others + BOTH);
});
//# sourceMappingURL=postgresql-conf.test.js.map