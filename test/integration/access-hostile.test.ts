// Hostile input against a running instance: each manifest or Secret edit below is refused with an error
// naming the field or Secret, and no managed file (PGDATA config, certificates, .pgpass) changes; the last
// good configuration stays in force. Also: quotes in a parameter are escaped, not refused.
import { after as afterAll, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { manifest, startManager, tempDir, type ManagerHandle } from '../helpers/manager.js';
import { after, diffSnapshots, killLeftovers, snapshotTree, superuserQuery, writeFileAtomicForTest } from '../helpers/config-tree.js';
import { psql } from '../helpers/access-clients.js';
import { findSecrets, installClusterSecrets, installSecret, makeTls, trickyPassword, type TlsMaterial } from '../helpers/access-secrets.js';

const dir = tempDir('pgim-access-bad-');
const secretsDir = join(dir, 'state', 'secrets');
const ownerPassword = trickyPassword();
const otherPassword = trickyPassword();
let tls: TlsMaterial;
let h: ManagerHandle;
let caPath: string;
const allKeys: string[] = [];

before(async () => {
  tls = await makeTls('t1');
  allKeys.push(tls.ca.keyPem, tls.server.keyPem, tls.replication.keyPem);
  installClusterSecrets(secretsDir, 't1', tls, ownerPassword);
  mkdirSync(join(dir, 'client'));
  caPath = join(dir, 'client', 'ca.crt');
  writeFileSync(caPath, tls.ca.certPem);
  h = await startManager({ dir, manifestText: manifest('t1') });
  await h.waitForLine((l) => l.msg === 'instance ready', 90_000, 'instance ready');
});

afterAll(async () => {
  await h?.stop();
  killLeftovers(dir);
  rmSync(dir, { recursive: true, force: true });
});

function snapshot(): Map<string, string> {
  const files = new Map<string, string>();
  const pgdata = snapshotTree(join(h.stateDir, 'pgdata'));
  for (const f of ['pg_hba.conf', 'pg_ident.conf', 'custom.conf', 'override.conf', 'postgresql.conf']) files.set(f, pgdata.get(f) ?? 'missing');
  for (const [k, v] of snapshotTree(join(h.stateDir, 'controller'), { ignore: ['log/', 'run/', 'tmp/'] })) files.set(`controller/${k}`, v);
  return files;
}

/** Applies `edit`, waits for the error line containing every `expect`, checks no file changed, then `restore`s. */
async function refused(edit: () => void, expect: string[], restore: () => void): Promise<void> {
  const before = snapshot();
  const error = after(h, (l) => l.level === 'error' && expect.every((e) => JSON.stringify(l).includes(e)));
  edit();
  await h.waitForLine(error, 15_000, `an error line with ${expect.join(' + ')}`);
  assert.deepEqual(diffSnapshots(before, snapshot()), [], 'no managed file changed');
  const changed = after(h, (l) => l.msg === 'Cluster changed');
  restore();
  await h.waitForLine(changed, 15_000, 'the restored version to be read');
}

const good = (): void => writeFileAtomicForTest(h.manifestPath, manifest('t1'));
const editManifest = (spec: string) => (): void => writeFileAtomicForTest(h.manifestPath, manifest('t1', spec));

const MANIFEST_CASES: [string, string, string[]][] = [
  ['pg_hba include', 'postgresql:\n  pg_hba:\n    - "include /etc/passwd"', ['spec.postgresql.pg_hba[0]', 'include']],
  ['pg_hba newline', 'postgresql:\n  pg_hba:\n    - "hostssl app app 127.0.0.1/32 scram-sha-256\\nhost all all 0.0.0.0/0 trust"', ['spec.postgresql.pg_hba[0]', 'line break']],
  ['pg_hba comment hiding the method', 'postgresql:\n  pg_hba:\n    - "host all all 0.0.0.0/0 # trust"', ['spec.postgresql.pg_hba[0]', 'comment']],
  ['pg_hba trailing backslash', 'postgresql:\n  pg_hba:\n    - "host all all 0.0.0.0/0 trust \\\\"', ['spec.postgresql.pg_hba[0]', 'backslash']],
  ['pg_ident newline', 'postgresql:\n  pg_ident:\n    - "m alice app\\nm bob postgres"', ['spec.postgresql.pg_ident[0]', 'line break']],
  ['parameter newline', "postgresql:\n  parameters:\n    log_line_prefix: \"a\\nssl = off\"", ['spec.postgresql.parameters.log_line_prefix', 'line break']],
  ['parameter of a fixed ssl setting', 'postgresql:\n  parameters:\n    ssl_ca_file: "/etc/passwd"', ['spec.postgresql.parameters.ssl_ca_file', 'fixed']],
  ['app secret name with ..', 'bootstrap:\n  initdb:\n    secret:\n      name: ../t1-app', ['spec.bootstrap.initdb.secret.name']],
  ['superuser secret name with /', 'superuserSecret:\n  name: a/b', ['spec.superuserSecret.name']],
  [
    'LDAP bind password key with ..',
    'postgresql:\n  ldap:\n    server: 127.0.0.1\n    bindSearchAuth:\n      baseDN: dc=x\n      bindDN: cn=a\n      bindPassword:\n        name: ldap\n        key: ../../password',
    ['spec.postgresql.ldap.bindSearchAuth.bindPassword.key'],
  ],
  ['external cluster named ..', 'externalClusters:\n  - name: ".."\n    connectionParameters:\n      host: h', ['spec.externalClusters[0].name', 'path component']],
  ['external cluster password secret with /', 'externalClusters:\n  - name: src\n    password:\n      name: x/y\n      key: password', ['spec.externalClusters[0].password.name', 'path component']],
];

for (const [name, spec, expect] of MANIFEST_CASES) {
  test(`manifest edit refused, nothing written: ${name}`, async () => {
    await refused(editManifest(spec), expect, good);
  });
}

test('Secret edits refused, nothing written: mismatched key, expired certificate, garbage CA, wrong username', async () => {
  const other = await makeTls('t1');
  const expired = await makeTls('t1', { expiredServer: true });
  allKeys.push(other.server.keyPem, expired.server.keyPem, other.ca.keyPem, expired.ca.keyPem);
  const restoreServer = (): void => installSecret(secretsDir, 't1-server', { 'tls.crt': tls.server.certPem, 'tls.key': tls.server.keyPem });
  await refused(() => installSecret(secretsDir, 't1-server', { 'tls.crt': tls.server.certPem, 'tls.key': other.server.keyPem }), ['tls.key does not match tls.crt in Secret t1-server'], restoreServer);
  await refused(() => installSecret(secretsDir, 't1-server', { 'tls.crt': expired.server.certPem, 'tls.key': expired.server.keyPem }), ['tls.crt in Secret t1-server expired on'], restoreServer);
  await refused(
    () => installSecret(secretsDir, 't1-ca', { 'ca.crt': 'not a certificate', 'ca.key': tls.ca.keyPem }),
    ['ca.crt is not a valid certificate in Secret t1-ca'],
    () => installSecret(secretsDir, 't1-ca', { 'ca.crt': tls.ca.certPem, 'ca.key': tls.ca.keyPem }),
  );
  await refused(
    () => installSecret(secretsDir, 't1-app', { username: 'mallory', password: otherPassword }),
    ["wrong username 'mallory' in secret t1-app, expected 'app'"],
    () => installSecret(secretsDir, 't1-app', { username: 'app', password: ownerPassword }),
  );
  // The last good state is still in force: the original password, served over verify-full.
  const ok = await psql(h, { user: 'app', dbname: 'app', sslmode: 'verify-full', sslrootcert: caPath }, 'SELECT 1', { PGPASSWORD: ownerPassword });
  assert.equal(ok.code, 0, ok.stderr);
});

test('quotes and backslashes in a parameter are escaped, not refused, and reach postgres verbatim', async () => {
  const value = `it's "quoted" \\ done`;
  const reloaded = after(h, (l) => l.msg === 'configuration reloaded');
  writeFileAtomicForTest(h.manifestPath, manifest('t1', `postgresql:\n  parameters:\n    log_line_prefix: ${JSON.stringify(value)}`));
  await h.waitForLine(reloaded, 15_000, 'configuration reloaded');
  assert.equal(await superuserQuery(h, 'SHOW log_line_prefix'), value);
});

test('an LDAP bind password never reaches the logs, even quoted back by a failed login', async () => {
  const bindPassword = `Bind:${trickyPassword()}`;
  installSecret(secretsDir, 'ldap-bind', { password: bindPassword });
  const spec = [
    'postgresql:',
    '  pg_hba:',
    '    - hostssl app app 127.0.0.1/32 scram-sha-256',
    '  ldap:',
    '    server: 127.0.0.1',
    '    port: 9',
    '    bindSearchAuth:',
    '      baseDN: dc=example,dc=com',
    '      bindDN: cn=admin,dc=example,dc=com',
    '      bindPassword:',
    '        name: ldap-bind',
    '        key: password',
  ].join('\n');
  const reloaded = after(h, (l) => l.msg === 'configuration reloaded');
  writeFileAtomicForTest(h.manifestPath, manifest('t1', spec));
  await h.waitForLine(reloaded, 15_000, 'configuration reloaded with LDAP');
  const ldapLogin = after(h, (l) => l.logger === 'postgres' && /Connection matched/.test(JSON.stringify(l)) && /ldap/.test(JSON.stringify(l)));
  const r = await psql(h, { user: 'someone', dbname: 'app', sslmode: 'require' }, 'SELECT 1', { PGPASSWORD: 'x' });
  assert.notEqual(r.code, 0);
  const line = await h.waitForLine(ldapLogin, 10_000, 'the failed LDAP login record');
  assert.match(JSON.stringify(line), /ldapbindpasswd=\[REDACTED\]/);
  assert.deepEqual(findSecrets(h.lines, h.stderr(), [bindPassword]), []);
});

test('no password or private key in any log line of this run', async () => {
  assert.equal((await h.stop()).code, 0);
  assert.deepEqual(findSecrets(h.lines, h.stderr(), [ownerPassword, otherPassword, ...allKeys]), []);
});
