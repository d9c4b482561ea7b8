// Secrets -> files under /controller/certificates, as cloudnative-pg's instance certificate reconciler
// does (pkg/reconciler/instance/certificate/reconciler.go). Rendering is pure; writing is atomic with
// mode 0600 and reports what changed so the caller reloads postgres only then.
import { createHash, createPrivateKey, X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { TLS_FILES } from '../config/constants.js';
import { ManagerError, wrap } from '../errors.js';
import { writeFileAtomic } from '../pgfiles/write-file-atomic.js';
const TLS_FILE_MODE = 0o600;
function entry(secret, key, wording) {
    // eslint-disable-next-line security/detect-object-injection -- key is one of three literal Secret keys
    const value = secret.data[key];
    if (value === undefined || value.length === 0) {
        throw new ManagerError('TLS', `missing ${key} ${wording} in Secret ${secret.name}`);
    }
    return value;
}
// Postgres refuses to start (or to reload) with a key that does not belong to its certificate, so the
// pair is checked here where the error can name the Secret. Messages never carry key material.
function checkKeyPair(secret, certPem, keyPem) {
    let cert;
    let key;
    try {
        cert = new X509Certificate(certPem);
    }
    catch (err) {
        throw new ManagerError('TLS', `tls.crt is not a valid certificate in Secret ${secret.name}`, { cause: err });
    }
    try {
        key = createPrivateKey(keyPem);
    }
    catch {
        // No cause: a parser error could echo part of the key.
        throw new ManagerError('TLS', `tls.key is not a valid private key in Secret ${secret.name}`);
    }
    if (!cert.checkPrivateKey(key)) {
        throw new ManagerError('TLS', `tls.key does not match tls.crt in Secret ${secret.name}`);
    }
}
function keyPairFiles(secret, certName, keyName) {
    const cert = entry(secret, 'tls.crt', 'field');
    const key = entry(secret, 'tls.key', 'field');
    checkKeyPair(secret, cert, key);
    return [
        { fileName: certName, bytes: cert },
        { fileName: keyName, bytes: key },
    ];
}
/** Maps the TLS Secrets to certificate files (reference section 4.1), checking each key pair. */
export function renderTlsFiles(secrets) {
    const files = [];
    if (secrets.serverSecret) {
        files.push(...keyPairFiles(secrets.serverSecret, TLS_FILES.serverCert, TLS_FILES.serverKey));
    }
    if (secrets.replicationSecret) {
        files.push(...keyPairFiles(secrets.replicationSecret, TLS_FILES.replicationCert, TLS_FILES.replicationKey));
    }
    if (secrets.clientCaSecret) {
        files.push({
            fileName: TLS_FILES.clientCa,
            bytes: entry(secrets.clientCaSecret, 'ca.crt', 'entry'),
        });
    }
    if (secrets.serverCaSecret) {
        files.push({
            fileName: TLS_FILES.serverCa,
            bytes: entry(secrets.serverCaSecret, 'ca.crt', 'entry'),
        });
    }
    return files;
}
/** Writes the files atomically with mode 0600; `changed` tells the caller to reload postgres. */
export async function writeTlsFiles(dir, files) {
    const changedFiles = [];
    for (const file of files) {
        if (file.fileName.includes('/') || file.fileName.startsWith('.')) {
            throw new ManagerError('TLS', `refusing to write certificate file outside ${dir}: ${file.fileName}`);
        }
        try {
            const result = await writeFileAtomic(join(dir, file.fileName), file.bytes, TLS_FILE_MODE);
            if (result.changed)
                changedFiles.push(file.fileName);
        }
        catch (err) {
            throw wrap('CONFIG_WRITE', `while writing ${file.fileName}`, err);
        }
    }
    return { changed: changedFiles.length > 0, changedFiles };
}
/** Subject, expiry and fingerprints of a PEM certificate, for status and for pinning the operator. */
export function certificateSummary(pem) {
    let cert;
    try {
        cert = new X509Certificate(pem);
    }
    catch (err) {
        throw new ManagerError('TLS', 'not a valid PEM certificate', {
            cause: err,
        });
    }
    const spki = cert.publicKey.export({ type: 'spki', format: 'der' });
    return {
        subject: cert.subject,
        notAfter: new Date(cert.validTo),
        fingerprintSha256: cert.fingerprint256,
        spkiSha256Hex: createHash('sha256').update(spki).digest('hex'),
    };
}
//# sourceMappingURL=tls-files.js.map