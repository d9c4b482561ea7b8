// X.509 material the way CloudNativePG's operator makes it (pkg/certs): ECDSA P-256 keys, 128-bit random
// serials, NotBefore backdated 5 minutes for clock skew, 90 days by default. Node can parse and verify
// certificates but not create them, hence @peculiar/x509 on top of node:crypto's webcrypto.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { createPrivateKey, randomBytes, webcrypto } from 'node:crypto';
import { isIP } from 'node:net';
import { ManagerError } from '../errors.js';
/** CERTIFICATE_DURATION's default in the operator. */
export const DEFAULT_CERTIFICATE_DAYS = 90;
const BACKDATE_MS = 5 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;
const EC_P256 = { name: 'ECDSA', namedCurve: 'P-256' };
// Every x509 call below takes this provider explicitly, so no global state is set at import time.
const crypto = webcrypto;
function validity(options) {
    const days = options.days ?? DEFAULT_CERTIFICATE_DAYS;
    if (!Number.isInteger(days) || days < 1)
        throw new ManagerError('TLS', `certificate validity must be a positive number of days, got ${days}`);
    const now = (options.now ?? new Date()).getTime();
    return {
        notBefore: new Date(now - BACKDATE_MS),
        notAfter: new Date(now + days * DAY_MS),
    };
}
// 16 random bytes = 128 bits, as the operator's rand.Int(1<<128); x509 adds a leading 0x00 when needed
// so the DER INTEGER stays positive.
function randomSerial() {
    return randomBytes(16).toString('hex');
}
async function newKeyPair() {
    return crypto.subtle.generateKey(EC_P256, true, ['sign', 'verify']);
}
async function pkcs8Pem(key) {
    const der = await crypto.subtle.exportKey('pkcs8', key);
    return x509.PemConverter.encode(der, 'PRIVATE KEY');
}
// A user-supplied CA key may be SEC1 ("EC PRIVATE KEY"), PKCS#1 RSA or PKCS#8: node parses them all,
// then webcrypto imports the PKCS#8 form.
async function importSigningKey(keyPem) {
    let keyObject;
    try {
        keyObject = createPrivateKey(keyPem);
    }
    catch (err) {
        throw new ManagerError('TLS', 'the CA private key cannot be parsed', {
            cause: err,
        });
    }
    const der = keyObject.export({ type: 'pkcs8', format: 'der' });
    const type = keyObject.asymmetricKeyType;
    if (type === 'ec') {
        const curve = keyObject.asymmetricKeyDetails?.namedCurve;
        const namedCurve = curve === 'prime256v1' ? 'P-256' : curve === 'secp384r1' ? 'P-384' : curve === 'secp521r1' ? 'P-521' : undefined;
        if (namedCurve === undefined)
            throw new ManagerError('TLS', `unsupported CA key curve ${String(curve)}`);
        const key = await crypto.subtle.importKey('pkcs8', der, { name: 'ECDSA', namedCurve }, false, ['sign']);
        return { key, algorithm: { name: 'ECDSA', hash: 'SHA-256' } };
    }
    if (type === 'rsa') {
        const algorithm = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
        const key = await crypto.subtle.importKey('pkcs8', der, algorithm, false, ['sign']);
        return { key, algorithm };
    }
    throw new ManagerError('TLS', `unsupported CA key type ${String(type)}`);
}
// The AKI must equal the CA's SKI byte for byte; a user CA may have computed it differently from us.
async function authorityKeyId(caCert) {
    const ski = caCert.getExtension(x509.SubjectKeyIdentifierExtension);
    if (ski)
        return new x509.AuthorityKeyIdentifierExtension(ski.keyId);
    return x509.AuthorityKeyIdentifierExtension.create(caCert.publicKey, false, crypto);
}
/** Creates a self-signed CA (BasicConstraints CA:TRUE critical, keyCertSign|cRLSign). */
export async function createCa(options) {
    const keys = await newKeyPair();
    // JSON names, not 'CN=...' strings, so a comma or '=' in a name cannot change the DN.
    const name = [{ CN: [options.commonName] }];
    const ski = await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, crypto);
    const cert = await x509.X509CertificateGenerator.create({
        serialNumber: randomSerial(),
        subject: name,
        issuer: name,
        ...validity(options),
        publicKey: keys.publicKey,
        signingKey: keys.privateKey,
        signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
        extensions: [
            new x509.BasicConstraintsExtension(true, undefined, true),
            new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
            ski,
            new x509.AuthorityKeyIdentifierExtension(ski.keyId),
        ],
    }, crypto);
    return {
        certPem: cert.toString('pem'),
        keyPem: await pkcs8Pem(keys.privateKey),
    };
}
async function createLeaf(params) {
    let caCert;
    try {
        caCert = new x509.X509Certificate(params.ca.certPem);
    }
    catch (err) {
        throw new ManagerError('TLS', 'the CA certificate cannot be parsed', {
            cause: err,
        });
    }
    const signer = await importSigningKey(params.ca.keyPem);
    const keys = await newKeyPair();
    const extensions = [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(params.usages, true),
        new x509.ExtendedKeyUsageExtension([params.extendedUsage], false),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, crypto),
        await authorityKeyId(caCert),
    ];
    if (params.sans.length > 0)
        extensions.push(new x509.SubjectAlternativeNameExtension(params.sans, false));
    const cert = await x509.X509CertificateGenerator.create({
        serialNumber: randomSerial(),
        subject: [{ CN: [params.commonName] }],
        issuer: caCert.subjectName,
        ...validity(params),
        publicKey: keys.publicKey,
        signingKey: signer.key,
        signingAlgorithm: signer.algorithm,
        extensions,
    }, crypto);
    return {
        certPem: cert.toString('pem'),
        keyPem: await pkcs8Pem(keys.privateKey),
    };
}
/** Creates a server certificate (serverAuth) signed by `ca`, with DNS and IP subject alternative names. */
export async function createServerCert(options) {
    const sans = [];
    for (const dns of new Set(options.dnsNames ?? []))
        sans.push({ type: 'dns', value: dns });
    for (const ip of new Set(options.ipAddresses ?? [])) {
        if (isIP(ip) === 0)
            throw new ManagerError('TLS', `not an IP address for a certificate SAN: ${ip}`);
        sans.push({ type: 'ip', value: ip });
    }
    const F = x509.KeyUsageFlags;
    return createLeaf({
        ...options,
        usages: F.digitalSignature | F.keyAgreement | F.keyEncipherment,
        extendedUsage: x509.ExtendedKeyUsage.serverAuth,
        sans,
    });
}
/** Creates a client certificate (clientAuth) signed by `ca`; PostgreSQL maps its CN to the user name. */
export async function createClientCert(options) {
    const F = x509.KeyUsageFlags;
    return createLeaf({
        ...options,
        usages: F.digitalSignature | F.keyAgreement,
        extendedUsage: x509.ExtendedKeyUsage.clientAuth,
        sans: [],
    });
}
//# sourceMappingURL=generate.js.map