// TLS everywhere on TCP: with the default rules a real libpq client (psql) with sslmode=disable is refused by
// the last `hostnossl all all all reject` line, sslmode=require gets in over TLS, and only a user pg_hba line
// of type `host` lets plain TCP in (for what it names, nothing else).
import { after as afterAll, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { manifest, secretValue, startManager, tempDir, type ManagerHandle } from '../helpers/manager.js';
import { after, killLeftovers, superuserQuery, writeFileAtomicForTest } from '../helpers/config-tree.js';
import { psql } from '../helpers/access-clients.js';

const dir = tempDir('pgim-tlsonly-');
let h: ManagerHandle;
let ownerPassword: string;

// 127.0.0.1, not localhost: the user rule below names 127.0.0.1/32. No GSSAPI encryption attempt either.
const owner = (sslmode: string, dbname = 'app'): Record<string, string> => ({ host: '127.0.0.1', user: 'app', dbname, sslmode, gssencmode: 'disable' });
const SSL_OF_SESSION = 'SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()';
// postgres's message when the hostnossl reject line matched (src/backend/libpq/auth.c, ClientAuthentication).
function assertRefusedPlain(stderr: string, user: string, database: string): void {
  const message = `pg_hba.conf rejects connection for host "127.0.0.1", user "${user}", database "${database}", no encryption`;
  assert.ok(stderr.includes(message), stderr);
}

before(async () => {
  h = await startManager({ dir, manifestText: manifest('t1') });
  await h.waitForLine((l) => l.msg === 'instance ready', 90_000, 'instance ready');
  ownerPassword = secretValue(h.stateDir, 't1-app', 'password');
});

afterAll(async () => {
  await h?.stop();
  killLeftovers(dir);
  rmSync(dir, { recursive: true, force: true });
});

test('the default rules end with a TLS-only catch-all and a reject of TCP without TLS', async () => {
  const rules = await superuserQuery(h, "SELECT type, database[1], user_name[1], address, auth_method FROM pg_hba_file_rules WHERE error IS NULL ORDER BY line_number DESC LIMIT 2");
  assert.equal(rules, 'hostnossl|all|all|all|reject\nhostssl|all|all|all|scram-sha-256');
});

test('sslmode=disable over TCP is refused with the right password; sslmode=require gets in over TLS', async () => {
  const plain = await psql(h, owner('disable'), 'SELECT 1', { PGPASSWORD: ownerPassword });
  assert.notEqual(plain.code, 0, plain.stdout);
  assertRefusedPlain(plain.stderr, 'app', 'app');

  const asPostgres = await psql(h, { ...owner('disable', 'postgres'), user: 'postgres' }, 'SELECT 1', { PGPASSWORD: 'anything' });
  assertRefusedPlain(asPostgres.stderr, 'postgres', 'postgres');

  const tls = await psql(h, owner('require'), SSL_OF_SESSION, { PGPASSWORD: ownerPassword });
  assert.equal(tls.code, 0, tls.stderr);
  assert.equal(tls.stdout.trim(), 't');
});

test('a user pg_hba `host ... scram-sha-256` line lets plain TCP in for what it names, nothing else', async () => {
  const reloaded = after(h, (l) => l.msg === 'configuration reloaded');
  writeFileAtomicForTest(h.manifestPath, manifest('t1', 'postgresql:\n  pg_hba:\n    - host app app 127.0.0.1/32 scram-sha-256'));
  await h.waitForLine(reloaded, 10_000, '"configuration reloaded" after the pg_hba change');

  const plain = await psql(h, owner('disable'), SSL_OF_SESSION, { PGPASSWORD: ownerPassword });
  assert.equal(plain.code, 0, plain.stderr);
  assert.equal(plain.stdout.trim(), 'f');

  const wrongPassword = await psql(h, owner('disable'), 'SELECT 1', { PGPASSWORD: `${ownerPassword}x` });
  assert.match(wrongPassword.stderr, /password authentication failed for user "app"/);

  const otherDatabase = await psql(h, owner('disable', 'postgres'), 'SELECT 1', { PGPASSWORD: ownerPassword });
  assertRefusedPlain(otherDatabase.stderr, 'app', 'postgres');

  const tls = await psql(h, owner('require', 'postgres'), SSL_OF_SESSION, { PGPASSWORD: ownerPassword });
  assert.equal(tls.code, 0, tls.stderr);
  assert.equal(tls.stdout.trim(), 't');
});
