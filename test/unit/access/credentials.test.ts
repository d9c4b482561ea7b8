import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManagerError } from '../../../src/errors.js';
import { secretCredentials } from '../../../src/reconcile/passwords.js';
import type { SecretObject } from '../../../src/model/objects.js';

function secret(data: Record<string, string>, annotations: Record<string, string> = {}): SecretObject {
  return { name: 's1', data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v)])), resourceVersion: '1', annotations };
}

test('username is trimmed and must match the role; the password is kept as is', () => {
  assert.deepEqual(secretCredentials(secret({ username: ' app\n', password: ' p w ' }), 'app'), { username: 'app', password: ' p w ', passthrough: false });
});

test('cnpg.io/passwordPassthrough: enabled forwards the value verbatim', () => {
  assert.equal(secretCredentials(secret({ username: 'app', password: 'x' }, { 'cnpg.io/passwordPassthrough': 'enabled' }), 'app').passthrough, true);
  assert.equal(secretCredentials(secret({ username: 'app', password: 'x' }, { 'cnpg.io/passwordPassthrough': 'true' }), 'app').passthrough, false);
});

test('bad Secrets are refused with messages that name the Secret and never the password', () => {
  const cases: [Record<string, string>, RegExp][] = [
    [{ password: 'hunter2' }, /username key doesn't exist inside the secret s1/],
    [{ username: 'root', password: 'hunter2' }, /wrong username 'root' in secret s1, expected 'app'/],
    [{ username: 'app' }, /password key doesn't exist inside the secret s1/],
    [{ username: 'app', password: '' }, /password key doesn't exist/],
  ];
  for (const [data, message] of cases) {
    assert.throws(() => secretCredentials(secret(data), 'app'), (err: Error) => err instanceof ManagerError && message.test(err.message) && !err.message.includes('hunter2'));
  }
});
