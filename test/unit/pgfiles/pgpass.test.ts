import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderPgpassLine } from '../../../src/pgfiles/pgpass.js';
import { assertPathComponent } from '../../../src/files/path-component.js';
import { ManagerError } from '../../../src/errors.js';

test('renderPgpassLine escapes backslash and colon in every field, no trailing newline', () => {
  const cases: [Parameters<typeof renderPgpassLine>[0], string][] = [
    [{ host: 'db', port: 5432, dbname: '*', user: 'app', password: 'secret' }, 'db:5432:*:app:secret'],
    [{ host: 'fe80::1', port: '5432', dbname: '*', user: 'u', password: 'p' }, 'fe80\\:\\:1:5432:*:u:p'],
    [{ host: 'h', port: 1, dbname: 'd:b', user: 'u\\v', password: 'a:b\\c' }, 'h:1:d\\:b:u\\\\v:a\\:b\\\\c'],
    [{ host: 'h', port: 1, dbname: 'd', user: 'u', password: '\\:' }, 'h:1:d:u:\\\\\\:'],
    [{ host: '*', port: '*', dbname: '*', user: '*', password: '' }, '*:*:*:*:'],
  ];
  for (const [entry, expected] of cases) assert.equal(renderPgpassLine(entry), expected);
});

test('renderPgpassLine refuses a line break without echoing the value', () => {
  const secret = 'hunter2\nsecond-line';
  assert.throws(
    () => renderPgpassLine({ host: 'h', port: 1, dbname: 'd', user: 'u', password: secret }),
    (err: unknown) => err instanceof ManagerError && err.message.includes('password') && !err.message.includes('hunter2'),
  );
});

test('assertPathComponent accepts plain names and rejects traversal', () => {
  for (const ok of ['server-a', 'my_secret', 'tls.crt', '..a', 'a..']) assert.doesNotThrow(() => assertPathComponent(ok));
  for (const bad of ['', '.', '..', 'a/b', '/etc', 'a\\b', '../x', 'a\0b']) {
    assert.throws(
      () => assertPathComponent(bad),
      (err: unknown) =>
        err instanceof ManagerError &&
        err.message === 'value cannot be used as a filesystem path component',
      JSON.stringify(bad),
    );
  }
});
