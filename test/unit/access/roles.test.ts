import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Client } from '../../../src/db/pool.js';
import { enforceCertificateOnly, passwordClause, setRolePassword } from '../../../src/db/roles.js';
import { scramSha256Verifier } from '../../../src/db/scram.js';
import { recordingClient } from './fakes.js';

const asClient = (c: ReturnType<typeof recordingClient>): Client => c as unknown as Client;

test('setRolePassword sends a SCRAM verifier inside a transaction with statement logging off', async () => {
  const c = recordingClient();
  await setRolePassword(asClient(c), 'app', "it's:secret");
  const texts = c.queries.map((q) => q.text);
  assert.deepEqual(texts.slice(0, 4), [
    'BEGIN',
    "SET LOCAL log_statement = 'none'",
    "SET LOCAL log_min_error_statement = 'PANIC'",
    'SET LOCAL log_min_duration_statement = -1',
  ]);
  assert.match(texts[4] ?? '', /^ALTER ROLE "app" WITH PASSWORD 'SCRAM-SHA-256\$4096:[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+'$/);
  assert.equal(texts[5], 'COMMIT');
  assert.equal(JSON.stringify(c.queries).includes('secret'), false, 'the cleartext is never sent');
});

test('PASSWORD clause: NULL, hashes verbatim, passthrough verbatim, otherwise hashed', () => {
  const md5 = `md5${'a'.repeat(32)}`;
  const scram = scramSha256Verifier('x');
  assert.equal(passwordClause(null), 'PASSWORD NULL');
  assert.equal(passwordClause(md5), `PASSWORD '${md5}'`);
  assert.equal(passwordClause(scram), `PASSWORD '${scram}'`);
  assert.equal(passwordClause("pa'ss", { passthrough: true }), "PASSWORD 'pa''ss'");
  assert.match(passwordClause('plain'), /^PASSWORD 'SCRAM-SHA-256\$/);
});

test('a failed ALTER ROLE rolls back and reports the role and SQLSTATE, never the password', async () => {
  const c = recordingClient(() => [], /^ALTER ROLE/);
  await assert.rejects(setRolePassword(asClient(c), 'app', 'hunter2', { passthrough: true }), (err: Error & { code?: string }) => {
    assert.equal(err.message, 'setting the password of role app failed (SQLSTATE 42501)');
    assert.equal(err.code, '42501');
    return true;
  });
  assert.equal(c.queries.at(-1)?.text, 'ROLLBACK');
});

test('streaming_replica: a drifted role gets LOGIN REPLICATION back and its password removed', async () => {
  const drifted = recordingClient((t) => (t.startsWith('SELECT') ? [{ login: false, replication: true, haspw: true }] : []));
  await enforceCertificateOnly(asClient(drifted), 'streaming_replica');
  const texts = drifted.queries.map((q) => q.text);
  assert.ok(texts.includes('ALTER ROLE "streaming_replica" WITH LOGIN REPLICATION'));
  assert.ok(texts.includes('ALTER ROLE "streaming_replica" WITH PASSWORD NULL'));
  const clean = recordingClient((t) => (t.startsWith('SELECT') ? [{ login: true, replication: true, haspw: false }] : []));
  await enforceCertificateOnly(asClient(clean), 'streaming_replica');
  assert.equal(clean.queries.length, 1, 'nothing altered when already right');
});
