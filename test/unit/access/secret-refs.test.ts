import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManifestError } from '../../../src/errors.js';
import { checkDataKey, checkObjectName } from '../../../src/spec/secret-refs.js';
import { cluster } from './fakes.js';

test('Secret names must be DNS-1123 subdomains; keys may not be . or .. or hold a /', () => {
  for (const ok of ['t1-app', 'a.b', 'x1']) assert.doesNotThrow(() => checkObjectName(ok, 'p'));
  for (const bad of ['', '..', '.', '../x', 'a/b', 'A', 'a..b', '-a', 'a-', 'a b']) assert.throws(() => checkObjectName(bad, 'p'), ManifestError, bad);
  for (const ok of ['password', 'tls.crt', '.dot', 'a_b-c']) assert.doesNotThrow(() => checkDataKey(ok, 'p'));
  for (const bad of ['', '.', '..', '../x', 'a/b', 'a\\b', 'a b']) assert.throws(() => checkDataKey(bad, 'p'), ManifestError, bad);
});

test('every Secret reference of a manifest is checked at load, naming its field', () => {
  const cases: [string, string][] = [
    ['superuserSecret:\n  name: ../x', 'spec.superuserSecret.name'],
    ['bootstrap:\n  initdb:\n    secret:\n      name: a/b', 'spec.bootstrap.initdb.secret.name'],
    ['certificates:\n  serverTLSSecret: ..', 'spec.certificates.serverTLSSecret'],
    ['postgresql:\n  ldap:\n    server: s\n    bindSearchAuth:\n      bindPassword:\n        name: ok\n        key: ../k', 'spec.postgresql.ldap.bindSearchAuth.bindPassword.key'],
  ];
  for (const [spec, path] of cases) {
    assert.throws(() => cluster(spec), (err: Error) => err instanceof ManifestError && err.path === path, path);
  }
});
