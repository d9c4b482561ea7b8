import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderPgIdent } from '../../../src/pgfiles/ident.js';
import { ManagerError } from '../../../src/errors.js';
import { readFixture } from './fixture-path.js';
test('pg_ident.conf without user rules matches the CNPG bytes', () => {
    assert.equal(renderPgIdent({ osUser: 'postgres', userRules: [] }), readFixture('ident-no-user-rules.conf'));
});
test('pg_ident.conf with user rules appends them in spec order', () => {
    const text = renderPgIdent({ osUser: 'postgres', userRules: ['mymap alice app_alice', 'mymap bob app_bob'] });
    assert.equal(text, readFixture('ident-user-rules.conf'));
});
test('the OS user is required: no fallback to the match-anyone "/" mapping', () => {
    for (const osUser of ['', '/', '/^.*$', 'two words', 'tab\tuser']) {
        assert.throws(() => renderPgIdent({ osUser, userRules: [] }), ManagerError, JSON.stringify(osUser));
    }
});
//# sourceMappingURL=ident.test.js.map