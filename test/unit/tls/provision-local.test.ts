import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import {
  generatePassword,
  provisionLocalSecrets,
  type ProvisionLocalOptions,
} from '../../../src/tls/provision-local.js';
import { createCa, createServerCert } from '../../../src/tls/generate.js';
import { child, createRootLogger } from '../../../src/log/logger.js';
import { captureLog, fakeSecretStore, type FakeSecretStore, type CapturedLog } from './fake-secrets.js';
import { createChildRegistry } from '../../../src/supervisor/child-registry.js';

function options(store: FakeSecretStore, log: CapturedLog): ProvisionLocalOptions {
  return {
    clusterName: 'c1',
    dnsNames: ['c1-rw.ns1.svc'],
    ipAddresses: ['10.0.0.7'],
    appUser: 'app',
    appDatabase: 'app',
    getSecret: (n) => store.getSecret(n),
    createSecret: (n, d) => store.createSecret(n, d),
    log,
    registry: createChildRegistry(),
  };
}

function text(store: FakeSecretStore, name: string, key: string): string {
  const value = new Map(Object.entries(store.secrets.get(name)?.data ?? {})).get(key);
  assert.ok(value, `${name} has ${key}`);
  return value.toString('utf8');
}

test('creates the 4 secrets the first time and none the second time', async () => {
  const store = fakeSecretStore();
  const log = captureLog();
  const first = await provisionLocalSecrets(options(store, log));
  assert.deepEqual(first.created.sort(), ['c1-app', 'c1-ca', 'c1-replication', 'c1-server']);
  assert.deepEqual(
    log.lines.map((l) => [l.level, l.fields.secretName]).sort(),
    first.created.map((n) => ['info', n]).sort(),
  );
  const versions = [...store.secrets.values()].map((s) => s.resourceVersion);
  const second = await provisionLocalSecrets(options(store, log));
  assert.deepEqual(second.created, []);
  assert.deepEqual(
    [...store.secrets.values()].map((s) => s.resourceVersion),
    versions,
  );
  assert.equal(log.lines.length, 4);

  // The chain verifies, and the server certificate names the rw service, localhost and loopback.
  const dir = mkdtempSync(join(tmpdir(), 'tls-provision-'));
  try {
    writeFileSync(join(dir, 'ca.crt'), text(store, 'c1-ca', 'ca.crt'));
    writeFileSync(join(dir, 'server.crt'), text(store, 'c1-server', 'tls.crt'));
    writeFileSync(join(dir, 'replica.crt'), text(store, 'c1-replication', 'tls.crt'));
    const out = execFileSync(
      'openssl',
      ['verify', '-CAfile', join(dir, 'ca.crt'), join(dir, 'server.crt'), join(dir, 'replica.crt')],
      { encoding: 'utf8' },
    );
    assert.equal(out.match(/: OK/g)?.length, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const server = new X509Certificate(text(store, 'c1-server', 'tls.crt'));
  assert.equal(server.subject, 'CN=c1-rw');
  assert.equal(
    server.subjectAltName,
    'DNS:c1-rw, DNS:c1-rw.ns1.svc, DNS:localhost, IP Address:10.0.0.7, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1',
  );
  assert.equal(new X509Certificate(text(store, 'c1-replication', 'tls.crt')).subject, 'CN=streaming_replica');
  assert.match(text(store, 'c1-ca', 'ca.key'), /^-----BEGIN PRIVATE KEY-----/);
});

test('the app secret has the CNPG keys and a fresh 64-character password each run', async () => {
  const a = fakeSecretStore();
  const b = fakeSecretStore();
  await provisionLocalSecrets(options(a, captureLog()));
  await provisionLocalSecrets(options(b, captureLog()));
  const password = text(a, 'c1-app', 'password');
  assert.match(password, /^[A-Za-z0-9]{64}$/);
  assert.notEqual(password, text(b, 'c1-app', 'password'));
  assert.deepEqual(Object.keys(a.secrets.get('c1-app')?.data ?? {}).sort(), [
    'dbname',
    'host',
    'password',
    'pgpass',
    'port',
    'uri',
    'user',
    'username',
  ]);
  assert.equal(text(a, 'c1-app', 'username'), 'app');
  assert.equal(text(a, 'c1-app', 'user'), 'app');
  assert.equal(text(a, 'c1-app', 'dbname'), 'app');
  assert.equal(text(a, 'c1-app', 'host'), 'c1-rw');
  assert.equal(text(a, 'c1-app', 'port'), '5432');
  assert.equal(text(a, 'c1-app', 'pgpass'), `c1-rw:5432:app:app:${password}\n`);
  assert.equal(text(a, 'c1-app', 'uri'), `postgresql://app:${password}@c1-rw:5432/app`);
});

test('generatePassword covers the whole alphabet without bias toward the first characters', () => {
  const counts = new Map<string, number>();
  const sample = Array.from({ length: 1000 }, () => generatePassword()).join('');
  for (const c of sample) counts.set(c, (counts.get(c) ?? 0) + 1);
  assert.equal(counts.size, 62);
  // 64,000 draws: 'byte % 62' would give A-H 5/256 each (about 10,000 together) instead of 8/62 (about
  // 8,258, sd about 85).
  const firstEight = [...'ABCDEFGH'].reduce((sum, c) => sum + (counts.get(c) ?? 0), 0);
  assert.ok(firstEight > 7700 && firstEight < 8800, `A-H drawn ${firstEight} times`);
});

test('a user-supplied server secret is kept untouched and the missing leaf is signed by the existing CA', async () => {
  const store = fakeSecretStore();
  const ca = await createCa({ commonName: 'user-ca' });
  const userServer = await createServerCert({
    ca,
    commonName: 'my-db.example.com',
    dnsNames: ['my-db.example.com'],
  });
  store.put('c1-ca', { 'ca.crt': ca.certPem, 'ca.key': ca.keyPem });
  const supplied = store.put('c1-server', {
    'tls.crt': userServer.certPem,
    'tls.key': userServer.keyPem,
  });
  const result = await provisionLocalSecrets(options(store, captureLog()));
  assert.deepEqual(result.created.sort(), ['c1-app', 'c1-replication']);
  assert.equal(store.secrets.get('c1-server'), supplied);
  assert.equal(text(store, 'c1-server', 'tls.crt'), userServer.certPem);
  const replica = new X509Certificate(text(store, 'c1-replication', 'tls.crt'));
  assert.ok(replica.verify(new X509Certificate(ca.certPem).publicKey), 'signed by the user CA');
});

test('a CA secret without ca.key is refused when a leaf must be signed, without leaking key bytes', async () => {
  const store = fakeSecretStore();
  const ca = await createCa({ commonName: 'user-ca' });
  store.put('c1-ca', { 'ca.crt': ca.certPem });
  await assert.rejects(provisionLocalSecrets(options(store, captureLog())), (err: Error & { code?: string }) => {
    assert.equal(err.code, 'TLS');
    assert.match(err.message, /missing ca\.key entry in Secret c1-ca/);
    assert.doesNotMatch(err.message, /BEGIN/);
    return true;
  });
  assert.deepEqual([...store.secrets.keys()], ['c1-ca']);
});

test('when every leaf is supplied, a missing CA secret is still created (it is the ca file) with a warning', async () => {
  const store = fakeSecretStore();
  const log = captureLog();
  const ca = await createCa({ commonName: 'elsewhere' });
  const leaf = await createServerCert({
    ca,
    commonName: 'c1-rw',
    dnsNames: ['c1-rw'],
  });
  store.put('c1-server', { 'tls.crt': leaf.certPem, 'tls.key': leaf.keyPem });
  store.put('c1-replication', {
    'tls.crt': leaf.certPem,
    'tls.key': leaf.keyPem,
  });
  store.put('c1-app', { username: 'app' });
  const result = await provisionLocalSecrets(options(store, log));
  assert.deepEqual(result.created, ['c1-ca']);
  assert.ok(log.lines.some((l) => l.level === 'warn' && l.fields.secretName === 'c1-ca'));
});

test('through the real root logger, each created secret is one info line naming it and nothing secret', async () => {
  const lines: string[] = [];
  const root = createRootLogger({ level: 'info', destination: { write: (line: string) => void lines.push(line) } });
  const store = fakeSecretStore();
  const { created } = await provisionLocalSecrets({ ...options(store, captureLog()), log: child(root, 'tls') });
  const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual(
    records.map((r) => [r.level, r.msg, r.secretName]),
    created.map((name) => ['info', 'created secret', name]),
  );
  const password = text(store, 'c1-app', 'password');
  assert.ok(!lines.join('').includes(password));
  assert.ok(!lines.join('').includes('PRIVATE KEY'));
});

test('the generator child failing (an unusable CA key) is a TLS error without key bytes; nothing is created, no child left registered', async () => {
  const store = fakeSecretStore();
  const ca = await createCa({ commonName: 'user-ca' });
  const garbage = `-----BEGIN PRIVATE KEY-----\n${Buffer.from('not a key at all, sixteen+').toString('base64')}\n-----END PRIVATE KEY-----\n`;
  store.put('c1-ca', { 'ca.crt': ca.certPem, 'ca.key': garbage });
  const opts = options(store, captureLog());
  await assert.rejects(provisionLocalSecrets(opts), (err: Error & { code?: string }) => {
    assert.equal(err.code, 'TLS');
    assert.doesNotMatch(err.message, /BEGIN|bm90IGEga2V5/);
    assert.match(err.message, /\S/);
    return true;
  });
  assert.deepEqual([...store.secrets.keys()], ['c1-ca']);
  assert.equal(opts.registry.size(), 0);
});
