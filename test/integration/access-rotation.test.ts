// Rotation without a restart: a new server certificate, a new owner password and a new CA (with its server
// and replication certificates) take effect on the running server; the postmaster keeps its pid and start
// time. Secrets are swapped atomically, as a mounted Secret volume is.
import { after as afterAll, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { manifest, startManager, tempDir, type ManagerHandle } from '../helpers/manager.js';
import { killLeftovers, superuserQuery, waitUntil } from '../helpers/config-tree.js';
import { basebackup, pemFingerprint, psql, servedFingerprint } from '../helpers/access-clients.js';
import { clientKeyFiles, findSecrets, installClusterSecrets, installSecret, makeTls, trickyPassword, type TlsMaterial } from '../helpers/access-secrets.js';
import { createServerCert } from '../../src/tls/generate.js';

const dir = tempDir('pgim-access-rot-');
const secretsDir = join(dir, 'state', 'secrets');
const clientDir = join(dir, 'client');
const passwords = [trickyPassword(), trickyPassword()] as const;
const keys: string[] = [];
let first: TlsMaterial;
let h: ManagerHandle;
let identity: string;

function caFile(name: string, pem: string): string {
  mkdirSync(clientDir, { recursive: true });
  const path = join(clientDir, `${name}.crt`);
  writeFileSync(path, pem);
  return path;
}

// The postmaster's start time and pid: both unchanged means no restart happened.
const postmaster = async (): Promise<string> => {
  const pid = readFileSync(join(h.stateDir, 'pgdata', 'postmaster.pid'), 'utf8').split('\n')[0] ?? '';
  return `${await superuserQuery(h, 'SELECT pg_postmaster_start_time()')} pid ${pid}`;
};
const owner = (ca: string): Record<string, string> => ({ user: 'app', dbname: 'app', sslmode: 'verify-full', sslrootcert: ca });

before(async () => {
  first = await makeTls('t1');
  keys.push(first.ca.keyPem, first.server.keyPem, first.replication.keyPem);
  installClusterSecrets(secretsDir, 't1', first, passwords[0]);
  h = await startManager({ dir, manifestText: manifest('t1') });
  await h.waitForLine((l) => l.msg === 'instance ready', 90_000, 'instance ready');
  identity = await postmaster();
});

afterAll(async () => {
  await h?.stop();
  killLeftovers(dir);
  rmSync(dir, { recursive: true, force: true });
});

test('a new server certificate is served after a reload, not a restart', async () => {
  const next = await createServerCert({ ca: first.ca, commonName: 't1-rw', dnsNames: ['t1-rw', 'localhost'], ipAddresses: ['127.0.0.1'] });
  keys.push(next.keyPem);
  const before = await servedFingerprint(h);
  assert.equal(before, await pemFingerprint(first.server.certPem));
  installSecret(secretsDir, 't1-server', { 'tls.crt': next.certPem, 'tls.key': next.keyPem });
  const wanted = await pemFingerprint(next.certPem);
  await waitUntil(async () => ((await servedFingerprint(h)) === wanted ? true : undefined), 15_000, 'the new certificate to be served');
  const ok = await psql(h, owner(caFile('ca1', first.ca.certPem)), 'SELECT 1', { PGPASSWORD: passwords[0] });
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(await postmaster(), identity, 'postgres was not restarted');
});

test("a new owner password works at once, the old one no longer does, and the .pgpass follows", async () => {
  const ca = caFile('ca1', first.ca.certPem);
  installSecret(secretsDir, 't1-app', { username: 'app', password: passwords[1] });
  await waitUntil(async () => ((await psql(h, owner(ca), 'SELECT 1', { PGPASSWORD: passwords[1] })).code === 0 ? true : undefined), 15_000, 'the new password');
  const old = await psql(h, owner(ca), 'SELECT 1', { PGPASSWORD: passwords[0] });
  assert.notEqual(old.code, 0);
  assert.match(old.stderr, /password authentication failed/);
  const pgpass = join(h.stateDir, 'controller', 'pgpass', 'owner.pgpass');
  const escaped = passwords[1].replaceAll('\\', '\\\\').replaceAll(':', '\\:');
  assert.ok(readFileSync(pgpass, 'utf8').includes(`:app:app:${escaped}\n`));
  assert.equal((await psql(h, owner(ca), 'SELECT 1', { PGPASSFILE: pgpass })).code, 0);
  assert.equal(await postmaster(), identity, 'postgres was not restarted');
});

test('a new CA with its server and replication certificates replaces the old one without a restart', async () => {
  const second = await makeTls('t1');
  keys.push(second.ca.keyPem, second.server.keyPem, second.replication.keyPem);
  installSecret(secretsDir, 't1-ca', { 'ca.crt': second.ca.certPem, 'ca.key': second.ca.keyPem });
  installSecret(secretsDir, 't1-server', { 'tls.crt': second.server.certPem, 'tls.key': second.server.keyPem });
  installSecret(secretsDir, 't1-replication', { 'tls.crt': second.replication.certPem, 'tls.key': second.replication.keyPem });
  const newCa = caFile('ca2', second.ca.certPem);
  const oldCa = caFile('ca1', first.ca.certPem);
  await waitUntil(async () => ((await psql(h, owner(newCa), 'SELECT 1', { PGPASSWORD: passwords[1] })).code === 0 ? true : undefined), 15_000, 'verify-full with the new CA');
  const stale = await psql(h, owner(oldCa), 'SELECT 1', { PGPASSWORD: passwords[1] });
  assert.notEqual(stale.code, 0);
  assert.match(stale.stderr, /certificate verify failed/);

  const replica = { user: 'streaming_replica', sslmode: 'verify-full', sslrootcert: newCa };
  const newCert = clientKeyFiles(clientDir, 'repl2', second.replication);
  await waitUntil(async () => ((await basebackup(h, { ...replica, sslcert: newCert.cert, sslkey: newCert.key }, join(dir, `bb-${Date.now()}`))).code === 0 ? true : undefined), 15_000, 'pg_basebackup with the new replication certificate');
  const oldCert = clientKeyFiles(clientDir, 'repl1', first.replication);
  const refused = await basebackup(h, { ...replica, sslcert: oldCert.cert, sslkey: oldCert.key }, join(dir, 'bb-old'));
  assert.notEqual(refused.code, 0, 'a certificate of the replaced CA is refused');
  assert.equal(await postmaster(), identity, 'postgres was not restarted');
});

test('no password or private key (old or new) appears in the logs', async () => {
  assert.equal((await h.stop()).code, 0);
  assert.ok(h.lines.filter((l) => l.msg === 'configuration reloaded').length >= 2, 'the rotations went through reloads');
  assert.deepEqual(findSecrets(h.lines, h.stderr(), [...passwords, ...keys]), []);
});
