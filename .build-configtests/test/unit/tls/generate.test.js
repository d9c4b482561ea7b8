import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { createCa, createClientCert, createServerCert } from '../../../src/tls/generate.js';
const dir = mkdtempSync(join(tmpdir(), 'tls-generate-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
function file(name, content) {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
}
function openssl(...args) {
    return execFileSync('openssl', args, {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
    });
}
test('CA + server + client chain verifies with openssl and carries the expected extensions', async () => {
    const started = performance.now();
    const ca = await createCa({ commonName: 'c1' });
    const server = await createServerCert({
        ca,
        commonName: 'c1-rw',
        dnsNames: ['c1-rw', 'c1-rw.ns1.svc', 'localhost'],
        ipAddresses: ['127.0.0.1', '::1'],
    });
    const client = await createClientCert({
        ca,
        commonName: 'streaming_replica',
    });
    const elapsed = performance.now() - started;
    console.log(`# generating CA + 2 leaves took ${elapsed.toFixed(1)} ms`);
    const caPath = file('ca.crt', ca.certPem);
    const out = openssl('verify', '-CAfile', caPath, file('server.crt', server.certPem), file('client.crt', client.certPem));
    assert.match(out, /server\.crt: OK/);
    assert.match(out, /client\.crt: OK/);
    assert.match(openssl('verify', '-purpose', 'sslserver', '-CAfile', caPath, join(dir, 'server.crt')), /OK/);
    assert.match(openssl('verify', '-purpose', 'sslclient', '-CAfile', caPath, join(dir, 'client.crt')), /OK/);
    assert.throws(() => openssl('verify', '-purpose', 'sslserver', '-CAfile', caPath, join(dir, 'client.crt')));
    const caText = openssl('x509', '-in', caPath, '-noout', '-text');
    assert.match(caText, /Basic Constraints: critical\s+CA:TRUE/);
    assert.match(caText, /Key Usage: critical\s+Certificate Sign, CRL Sign/);
    assert.match(caText, /ecdsa-with-SHA256/);
    assert.match(caText, /NIST CURVE: P-256/);
    const serverText = openssl('x509', '-in', join(dir, 'server.crt'), '-noout', '-text');
    assert.match(serverText, /Subject: CN = c1-rw/);
    assert.match(serverText, /Issuer: CN = c1/);
    assert.match(serverText, /Basic Constraints: critical\s+CA:FALSE/);
    assert.match(serverText, /Key Usage: critical\s+Digital Signature, Key Encipherment, Key Agreement/);
    assert.match(serverText, /Extended Key Usage:\s+TLS Web Server Authentication/);
    assert.match(serverText, /DNS:c1-rw, DNS:c1-rw\.ns1\.svc, DNS:localhost, IP Address:127\.0\.0\.1, IP Address:0:0:0:0:0:0:0:1/);
    const clientText = openssl('x509', '-in', join(dir, 'client.crt'), '-noout', '-text');
    assert.match(clientText, /Subject: CN = streaming_replica/);
    assert.match(clientText, /Key Usage: critical\s+Digital Signature, Key Agreement\n/);
    assert.match(clientText, /Extended Key Usage:\s+TLS Web Client Authentication/);
    assert.doesNotMatch(clientText, /Subject Alternative Name/);
    // AKI of each leaf is the CA's SKI.
    const caSki = /Subject Key Identifier:\s+([0-9A-F:]+)/.exec(caText)?.[1];
    assert.ok(caSki);
    for (const leafText of [serverText, clientText]) {
        assert.equal(/Authority Key Identifier:\s+(?:keyid:)?([0-9A-F:]+)/.exec(leafText)?.[1], caSki);
    }
});
test('keys are unencrypted PKCS#8 that openssl and node parse; validity is backdated 5 min, 90 days', async () => {
    const now = new Date('2030-01-01T00:00:00Z');
    const ca = await createCa({ commonName: 'c1', now });
    const leaf = await createServerCert({
        ca,
        commonName: 'c1-rw',
        dnsNames: ['c1-rw'],
        now,
    });
    for (const pem of [ca.keyPem, leaf.keyPem]) {
        assert.match(pem, /^-----BEGIN PRIVATE KEY-----\n/);
        assert.match(openssl('pkey', '-in', file('k.pem', pem), '-noout', '-text'), /ASN1 OID: prime256v1/);
        assert.equal(createPrivateKey(pem).asymmetricKeyDetails?.namedCurve, 'prime256v1');
    }
    const cert = new X509Certificate(leaf.certPem);
    assert.equal(new Date(cert.validFrom).toISOString(), '2029-12-31T23:55:00.000Z');
    assert.equal(new Date(cert.validTo).toISOString(), '2030-04-01T00:00:00.000Z');
    const short = new X509Certificate((await createClientCert({ ca, commonName: 'x', days: 7, now })).certPem);
    assert.equal(new Date(short.validTo).toISOString(), '2030-01-08T00:00:00.000Z');
});
test('serials are 128-bit random and differ between certificates', async () => {
    const ca = await createCa({ commonName: 'c1' });
    const a = new X509Certificate((await createClientCert({ ca, commonName: 'a' })).certPem);
    const b = new X509Certificate((await createClientCert({ ca, commonName: 'a' })).certPem);
    assert.notEqual(a.serialNumber, b.serialNumber);
    for (const serial of [a.serialNumber, b.serialNumber]) {
        const bits = BigInt(`0x${serial}`).toString(2).length;
        assert.ok(bits > 96 && bits <= 128, `serial has ${bits} bits`);
    }
});
test('a common name with DN syntax stays one CN', async () => {
    const ca = await createCa({ commonName: 'a,O=evil' });
    const cert = new X509Certificate(ca.certPem);
    assert.equal(cert.subject, 'CN=a\\,O=evil'); // node escapes the comma: still a single CN
    assert.doesNotMatch(openssl('x509', '-in', file('dn.crt', ca.certPem), '-noout', '-subject'), /O = evil/);
});
test('signs leaves with a user-supplied openssl CA (SEC1 EC key and RSA key)', async () => {
    for (const [name, keyArgs] of [
        ['ec', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-384']],
        ['rsa', ['-newkey', 'rsa:2048']],
    ]) {
        const keyPath = join(dir, `user-${name}.key`);
        const certPath = join(dir, `user-${name}.crt`);
        openssl('req', '-x509', ...keyArgs, '-nodes', '-keyout', keyPath, '-out', certPath, '-subj', `/O=Acme/CN=user ${name} CA`, '-days', '2');
        let keyPem = readFileSync(keyPath, 'utf8');
        if (name === 'ec')
            keyPem = openssl('ec', '-in', keyPath); // SEC1 "EC PRIVATE KEY"
        const ca = { certPem: readFileSync(certPath, 'utf8'), keyPem };
        const leaf = await createServerCert({
            ca,
            commonName: 'c1-rw',
            dnsNames: ['c1-rw'],
        });
        assert.match(openssl('verify', '-CAfile', certPath, file(`leaf-${name}.crt`, leaf.certPem)), /OK/, name);
    }
});
test('refuses bad input with TLS errors that carry no key material', async () => {
    const ca = await createCa({ commonName: 'c1' });
    await assert.rejects(createServerCert({ ca, commonName: 'x', ipAddresses: ['not-an-ip'] }), { code: 'TLS' });
    await assert.rejects(createCa({ commonName: 'c1', days: 0 }), {
        code: 'TLS',
    });
    const garbage = {
        certPem: ca.certPem,
        keyPem: '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n',
    };
    await assert.rejects(createClientCert({ ca: garbage, commonName: 'x' }), (err) => {
        assert.equal(err.code, 'TLS');
        assert.doesNotMatch(err.message, /AAAA|BEGIN/);
        return true;
    });
});
//# sourceMappingURL=generate.test.js.map