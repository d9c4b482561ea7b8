import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash, X509Certificate } from 'node:crypto';
import { certificateSummary, renderTlsFiles, writeTlsFiles } from '../../../src/tls/tls-files.js';
import { createCa, createClientCert, createServerCert } from '../../../src/tls/generate.js';
import { fakeSecretStore } from './fake-secrets.js';
let ca;
let server;
let replica;
before(async () => {
    ca = await createCa({ commonName: 'c1' });
    server = await createServerCert({
        ca,
        commonName: 'c1-rw',
        dnsNames: ['c1-rw'],
    });
    replica = await createClientCert({ ca, commonName: 'streaming_replica' });
});
function secrets(overrides = {}) {
    const store = fakeSecretStore();
    const caSecret = store.put('c1-ca', overrides.ca ?? { 'ca.crt': ca.certPem, 'ca.key': ca.keyPem });
    return {
        serverSecret: store.put('c1-server', overrides.server ?? {
            'tls.crt': server.certPem,
            'tls.key': server.keyPem,
        }),
        replicationSecret: store.put('c1-replication', overrides.replication ?? {
            'tls.crt': replica.certPem,
            'tls.key': replica.keyPem,
        }),
        clientCaSecret: caSecret,
        serverCaSecret: caSecret,
    };
}
test('renders the six files of the CNPG table from the secrets', () => {
    const files = renderTlsFiles(secrets());
    assert.deepEqual(files.map((f) => [f.fileName, f.bytes.toString()]), [
        ['server.crt', server.certPem],
        ['server.key', server.keyPem],
        ['streaming_replica.crt', replica.certPem],
        ['streaming_replica.key', replica.keyPem],
        ['client-ca.crt', ca.certPem],
        ['server-ca.crt', ca.certPem],
    ]);
});
test('absent secrets are skipped, as CNPG tolerates NotFound', () => {
    const all = secrets();
    assert.deepEqual(renderTlsFiles({ serverSecret: all.serverSecret }).map((f) => f.fileName), ['server.crt', 'server.key']);
    assert.deepEqual(renderTlsFiles({}), []);
});
test('missing keys fail with CNPG wording naming the secret', () => {
    const table = [
        [{ server: { 'tls.key': 'x' } }, /^missing tls\.crt field in Secret c1-server$/],
        [{ replication: { 'tls.crt': 'x' } }, /^missing tls\.key field in Secret c1-replication$/],
        [{ ca: { 'ca.key': 'x' } }, /^missing ca\.crt entry in Secret c1-ca$/],
    ];
    for (const [overrides, message] of table) {
        assert.throws(() => renderTlsFiles(secrets(overrides)), (err) => {
            assert.equal(err.code, 'TLS');
            assert.match(err.message, message);
            return true;
        });
    }
});
test('a key that does not match its certificate is refused, naming the secret and not the key', () => {
    for (const overrides of [
        { server: { 'tls.crt': server.certPem, 'tls.key': replica.keyPem } },
        {
            server: {
                'tls.crt': server.certPem,
                'tls.key': '-----BEGIN PRIVATE KEY-----\nQUJD\n-----END PRIVATE KEY-----\n',
            },
        },
        { replication: { 'tls.crt': replica.certPem, 'tls.key': ca.keyPem } },
    ]) {
        assert.throws(() => renderTlsFiles(secrets(overrides)), (err) => {
            assert.equal(err.code, 'TLS');
            assert.match(err.message, /in Secret c1-(server|replication)$/);
            assert.doesNotMatch(err.message, /BEGIN|QUJD/);
            assert.equal(err.cause, undefined);
            return true;
        });
    }
});
test('writes the files with mode 0600 and reports no change on the second write', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'tls-files-')), 'certificates');
    try {
        const files = renderTlsFiles(secrets());
        const first = await writeTlsFiles(dir, files);
        assert.equal(first.changed, true);
        assert.equal(first.changedFiles.length, 6);
        assert.deepEqual(readdirSync(dir).sort(), files.map((f) => f.fileName).sort());
        for (const f of files) {
            assert.equal(statSync(join(dir, f.fileName)).mode & 0o777, 0o600, f.fileName);
            assert.deepEqual(readFileSync(join(dir, f.fileName)), f.bytes);
        }
        const mtime = statSync(join(dir, 'server.crt')).mtimeMs;
        assert.deepEqual(await writeTlsFiles(dir, files), {
            changed: false,
            changedFiles: [],
        });
        assert.equal(statSync(join(dir, 'server.crt')).mtimeMs, mtime);
        // Rotation: only the server pair changes.
        const rotated = await createServerCert({
            ca,
            commonName: 'c1-rw',
            dnsNames: ['c1-rw'],
        });
        const third = await writeTlsFiles(dir, renderTlsFiles(secrets({
            server: { 'tls.crt': rotated.certPem, 'tls.key': rotated.keyPem },
        })));
        assert.deepEqual(third, {
            changed: true,
            changedFiles: ['server.crt', 'server.key'],
        });
        // openssl accepts what landed on disk as a matching pair.
        const certMod = execFileSync('openssl', ['x509', '-in', join(dir, 'server.crt'), '-noout', '-pubkey'], {
            encoding: 'utf8',
        });
        const keyMod = execFileSync('openssl', ['pkey', '-in', join(dir, 'server.key'), '-pubout'], { encoding: 'utf8' });
        assert.equal(certMod, keyMod);
    }
    finally {
        rmSync(join(dir, '..'), { recursive: true, force: true });
    }
});
test('refuses a file name that would leave the directory', async () => {
    await assert.rejects(writeTlsFiles(tmpdir(), [{ fileName: '../x.crt', bytes: Buffer.from('x') }]), { code: 'TLS' });
});
test('certificateSummary gives subject, expiry, fingerprint and the SPKI SHA-256 openssl computes', () => {
    const summary = certificateSummary(server.certPem);
    const cert = new X509Certificate(server.certPem);
    assert.equal(summary.subject, 'CN=c1-rw');
    assert.equal(summary.notAfter.getTime(), new Date(cert.validTo).getTime());
    assert.ok(summary.notAfter.getTime() > Date.now() + 89 * 86_400_000);
    assert.equal(summary.fingerprintSha256, createHash('sha256').update(cert.raw).digest('hex').toUpperCase().match(/../g)?.join(':'));
    const spkiDer = execFileSync('openssl', ['pkey', '-pubin', '-outform', 'DER'], {
        input: execFileSync('openssl', ['x509', '-noout', '-pubkey'], {
            input: server.certPem,
        }),
    });
    assert.equal(summary.spkiSha256Hex, createHash('sha256').update(spkiDer).digest('hex'));
    assert.match(summary.spkiSha256Hex, /^[0-9a-f]{64}$/);
    assert.throws(() => certificateSummary('nope'), { code: 'TLS' });
});
//# sourceMappingURL=tls-files.test.js.map