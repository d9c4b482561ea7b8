// Access control with real clients against one running instance: the owner over verify-full TLS, a TLS 1.2
// client, TCP without a password, the superuser toggled both ways on the running server, streaming_replica
// by certificate only (pg_basebackup), the .pgpass files, and a scan of every log line for the secrets.
import { after as afterAll, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { join } from 'node:path';
import { REPO_ROOT, manifest, startManager, tempDir, type ManagerHandle } from '../helpers/manager.js';
import { killLeftovers, superuserQuery, waitUntil, writeFileAtomicForTest } from '../helpers/config-tree.js';
import { basebackup, opensslForeignClient, psql } from '../helpers/access-clients.js';
import { clientKeyFiles, findSecrets, installClusterSecrets, installSecret, makeTls, trickyPassword, type TlsMaterial } from '../helpers/access-secrets.js';

const dir = tempDir('pgim-access-');
const secretsDir = join(dir, 'state', 'secrets');
const clientDir = join(dir, 'client');
const ownerPassword = trickyPassword();
const superuserPassword = trickyPassword();
let tls: TlsMaterial;
let h: ManagerHandle;
let caPath: string;
let startTime: string;

const pgData = (): string => join(h.stateDir, 'pgdata');
const pgpassDir = (): string => join(h.stateDir, 'controller', 'pgpass');
const owner = (): Record<string, string> => ({ user: 'app', dbname: 'app', sslmode: 'verify-full', sslrootcert: caPath });
const asPostgres = (): Record<string, string> => ({ user: 'postgres', dbname: 'postgres', sslmode: 'verify-full', sslrootcert: caPath });

before(async () => {
  tls = await makeTls('t1');
  installClusterSecrets(secretsDir, 't1', tls, ownerPassword);
  mkdirSync(clientDir, { recursive: true });
  caPath = join(clientDir, 'ca.crt');
  writeFileSync(caPath, tls.ca.certPem);
  h = await startManager({ dir, manifestText: manifest('t1') });
  await h.waitForLine((l) => l.msg === 'instance ready', 90_000, 'instance ready');
  startTime = await superuserQuery(h, 'SELECT pg_postmaster_start_time()');
});

afterAll(async () => {
  await h?.stop();
  killLeftovers(dir);
  rmSync(dir, { recursive: true, force: true });
});

test('pg_hba.conf and pg_ident.conf in PGDATA are the rendered bytes (fixtures), and postgres loaded them without error', async () => {
  const fixture = (f: string): string => readFileSync(join(REPO_ROOT, 'test', 'fixtures', 'pgfiles', f), 'utf8');
  assert.equal(readFileSync(join(pgData(), 'pg_hba.conf'), 'utf8'), fixture('hba-no-user-rules.conf'));
  assert.equal(readFileSync(join(pgData(), 'pg_ident.conf'), 'utf8'), fixture('ident-no-user-rules.conf'));
  assert.equal(await superuserQuery(h, 'SELECT count(*) FROM pg_hba_file_rules WHERE error IS NOT NULL'), '0');
  assert.equal(await superuserQuery(h, 'SELECT count(*) FROM pg_ident_file_mappings WHERE error IS NULL'), '4');
});

test('the owner connects with verify-full over TLS 1.3; a TLS 1.2 client and a password-less client fail', async () => {
  const ok = await psql(h, owner(), 'SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()', { PGPASSWORD: ownerPassword });
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(ok.stdout.trim(), 't|TLSv1.3');

  const tls12 = await psql(h, { ...owner(), ssl_max_protocol_version: 'TLSv1.2' }, 'SELECT 1', { PGPASSWORD: ownerPassword });
  assert.notEqual(tls12.code, 0);
  assert.match(tls12.stderr, /protocol version/);

  const noPassword = await psql(h, owner(), 'SELECT 1');
  assert.notEqual(noPassword.code, 0);
  assert.match(noPassword.stderr, /no password supplied/);

  const wrong = await psql(h, owner(), 'SELECT 1', { PGPASSWORD: `${ownerPassword}x` });
  assert.notEqual(wrong.code, 0);
  assert.match(wrong.stderr, /password authentication failed for user "app"/);
});

test('the owner .pgpass is 0600 in a 0700 folder, escaped for libpq, and psql logs in with it alone', async () => {
  const file = join(pgpassDir(), 'owner.pgpass');
  assert.equal(statSync(pgpassDir()).mode & 0o777, 0o700);
  assert.equal(statSync(file).mode & 0o777, 0o600);
  const escaped = ownerPassword.replaceAll('\\', '\\\\').replaceAll(':', '\\:');
  assert.ok(readFileSync(file, 'utf8').split('\n').includes(`localhost:${h.port}:app:app:${escaped}`));
  const viaFile = await psql(h, owner(), 'SELECT current_user', { PGPASSFILE: file });
  assert.equal(viaFile.code, 0, viaFile.stderr);
  assert.equal(viaFile.stdout.trim(), 'app');
  assert.equal(existsSync(join(pgpassDir(), 'superuser.pgpass')), false, 'no superuser .pgpass while superuser access is off');
});

test('postgres with a password: refused while superuser access is off, accepted once on, refused again once off', async () => {
  installSecret(secretsDir, 't1-superuser', { username: 'postgres', password: superuserPassword });
  const su = (): ReturnType<typeof psql> => psql(h, asPostgres(), 'SELECT current_user', { PGPASSWORD: superuserPassword });
  const off = await su();
  assert.notEqual(off.code, 0);
  assert.match(off.stderr, /password authentication failed for user "postgres"/);

  writeFileAtomicForTest(h.manifestPath, manifest('t1', 'enableSuperuserAccess: true'));
  await waitUntil(async () => ((await su()).code === 0 ? true : undefined), 20_000, 'postgres to log in with its password');
  const suFile = join(pgpassDir(), 'superuser.pgpass');
  await waitUntil(() => (existsSync(suFile) ? true : undefined), 5_000, 'superuser.pgpass');
  assert.equal(statSync(suFile).mode & 0o777, 0o600);
  const viaFile = await psql(h, asPostgres(), 'SELECT current_user', { PGPASSFILE: suFile });
  assert.equal(viaFile.code, 0, viaFile.stderr);

  writeFileAtomicForTest(h.manifestPath, manifest('t1', 'enableSuperuserAccess: false'));
  await waitUntil(async () => ((await su()).code !== 0 ? true : undefined), 20_000, 'postgres to be refused again');
  assert.equal(await superuserQuery(h, "SELECT rolpassword IS NULL FROM pg_authid WHERE rolname = 'postgres'"), 't');
  await waitUntil(() => (existsSync(suFile) ? undefined : true), 5_000, 'superuser.pgpass to be removed');
  assert.equal(await superuserQuery(h, 'SELECT pg_postmaster_start_time()'), startTime, 'postgres was not restarted');
});

test('streaming_replica: LOGIN REPLICATION without password; pg_basebackup needs a certificate from our CA', async () => {
  assert.equal(await superuserQuery(h, "SELECT rolcanlogin, rolreplication, rolpassword IS NULL FROM pg_authid WHERE rolname = 'streaming_replica'"), 't|t|t');
  const rules = await superuserQuery(h, "SELECT type, database[1], auth_method FROM pg_hba_file_rules WHERE 'streaming_replica' = ANY(user_name) ORDER BY line_number");
  assert.equal(rules, 'hostssl|postgres|cert\nhostssl|replication|cert');

  const own = clientKeyFiles(clientDir, 'replication', tls.replication);
  const base = { user: 'streaming_replica', sslmode: 'verify-full', sslrootcert: caPath };
  const good = await basebackup(h, { ...base, sslcert: own.cert, sslkey: own.key }, join(dir, 'bb-ok'));
  assert.equal(good.code, 0, good.stderr);
  assert.ok(existsSync(join(dir, 'bb-ok', 'PG_VERSION')) && existsSync(join(dir, 'bb-ok', 'backup_label')));

  const noCert = await basebackup(h, { ...base, sslcert: '/nonexistent.crt', sslkey: '/nonexistent.key' }, join(dir, 'bb-nocert'));
  assert.notEqual(noCert.code, 0);
  assert.match(noCert.stderr, /requires a valid client certificate/);

  const foreign = await opensslForeignClient(join(dir, 'foreign'));
  const other = await basebackup(h, { ...base, sslcert: foreign.cert, sslkey: foreign.key }, join(dir, 'bb-foreign'));
  assert.notEqual(other.code, 0);
  assert.match(other.stderr, /certificate|unknown ca/i);

  // Without TLS nothing gets in (hostnossl reject), and streaming_replica has no password anyway.
  const plain = await psql(h, { user: 'streaming_replica', dbname: 'postgres', sslmode: 'disable' }, 'SELECT 1', { PGPASSWORD: 'anything' });
  assert.notEqual(plain.code, 0);
  assert.equal(existsSync(join(dir, 'bb-nocert', 'PG_VERSION')) || existsSync(join(dir, 'bb-foreign', 'PG_VERSION')), false);
});

/** GET https://127.0.0.1:<status port><path> verified against the cluster CA. */
function statusGet(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = https.get({ host: '127.0.0.1', port: h.statusPort, path, ca: tls.ca.certPem, servername: 'localhost', timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c)).on('end', () => resolve(`${res.statusCode ?? 0} ${body}`));
    });
    req.on('error', reject);
  });
}

test('no password or private key appears in any log line, in stderr, in /pg/status or in the status file', async () => {
  const pgStatus = await statusGet('/pg/status');
  assert.match(pgStatus, /^200 /);
  const stopped = await h.stop();
  assert.equal(stopped.code, 0);
  assert.ok(h.lines.length > 20);
  const secrets = [ownerPassword, superuserPassword, tls.ca.keyPem, tls.server.keyPem, tls.replication.keyPem];
  assert.deepEqual(findSecrets(h.lines, h.stderr(), secrets), []);
  const status = readFileSync(join(h.stateDir, 'status.json'), 'utf8');
  assert.deepEqual(findSecrets([], status, secrets), []);
  assert.deepEqual(findSecrets([], pgStatus, secrets), []);
  // The failed logins above were logged by postgres (so the scan looked at real failure records).
  assert.ok(h.lines.some((l) => JSON.stringify(l).includes('password authentication failed')));
});
