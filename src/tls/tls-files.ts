// Secrets -> files under /controller/certificates, as cloudnative-pg's instance certificate reconciler
// does (pkg/reconciler/instance/certificate/reconciler.go). Rendering is pure; writing is atomic with
// mode 0600 and reports what changed so the caller reloads postgres only then.
import { createHash, createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { join } from 'node:path';
import { TLS_FILES } from '../config/constants.js';
import { ManagerError, wrap } from '../errors.js';
import { isoTime } from '../log/iso-time.js';
import { writeFileAtomic } from '../files/write-file-atomic.js';
import type { SecretObject } from '../model/objects.js';

export interface TlsFile {
  fileName: string;
  bytes: Buffer;
}

/** The four Secrets named in cluster.status.certificates; an absent one (NotFound) is skipped, as CNPG does. */
export interface TlsSecrets {
  serverSecret?: SecretObject | undefined;
  replicationSecret?: SecretObject | undefined;
  clientCaSecret?: SecretObject | undefined;
  serverCaSecret?: SecretObject | undefined;
}

export interface CertificateSummary {
  subject: string;
  notAfter: Date;
  /** SHA-256 of the certificate DER, colon-separated upper-case hex (node's fingerprint256). */
  fingerprintSha256: string;
  /** Lower-case hex SHA-256 of the SubjectPublicKeyInfo DER: what operatorCertificateFingerprint pins. */
  spkiSha256Hex: string;
}

const TLS_FILE_MODE = 0o600;

function entry(secret: SecretObject, key: 'tls.crt' | 'tls.key' | 'ca.crt', wording: 'field' | 'entry'): Buffer {
  // eslint-disable-next-line security/detect-object-injection -- key is one of three literal Secret keys
  const value = secret.data[key];
  if (value === undefined || value.length === 0) {
    throw new ManagerError('TLS', `missing ${key} ${wording} in Secret ${secret.name}`);
  }
  return value;
}

// Postgres refuses to start (or to reload) with a key that does not belong to its certificate, so the
// pair is checked here where the error can name the Secret. Messages never carry key material.
function checkKeyPair(secret: SecretObject, certPem: Buffer, keyPem: Buffer): X509Certificate {
  let cert: X509Certificate;
  let key: KeyObject;
  try {
    cert = new X509Certificate(certPem);
  } catch (err) {
    throw new ManagerError('TLS', `tls.crt is not a valid certificate in Secret ${secret.name}`, { cause: err });
  }
  try {
    key = createPrivateKey(keyPem);
  } catch {
    // No cause: a parser error could echo part of the key.
    throw new ManagerError('TLS', `tls.key is not a valid private key in Secret ${secret.name}`);
  }
  if (!cert.checkPrivateKey(key)) {
    throw new ManagerError('TLS', `tls.key does not match tls.crt in Secret ${secret.name}`);
  }
  return cert;
}

// Postgres loads an expired certificate without a word and every verifying client then fails; refusing
// it here keeps the previous (working) files in place and names the Secret.
function checkNotExpired(secret: SecretObject, key: string, cert: X509Certificate, now: Date): void {
  const notAfter = new Date(cert.validTo);
  if (notAfter.getTime() <= now.getTime()) {
    throw new ManagerError('TLS', `${key} in Secret ${secret.name} expired on ${isoTime(notAfter.getTime())}`);
  }
}

function caFile(secret: SecretObject, fileName: string, now: Date): TlsFile {
  const bytes = entry(secret, 'ca.crt', 'entry');
  let cert: X509Certificate;
  try {
    // A bundle parses as its first certificate, which is enough to refuse garbage and an expired CA.
    cert = new X509Certificate(bytes);
  } catch (err) {
    throw new ManagerError('TLS', `ca.crt is not a valid certificate in Secret ${secret.name}`, { cause: err });
  }
  checkNotExpired(secret, 'ca.crt', cert, now);
  return { fileName, bytes };
}

function keyPairFiles(secret: SecretObject, certName: string, keyName: string, now: Date): TlsFile[] {
  const cert = entry(secret, 'tls.crt', 'field');
  const key = entry(secret, 'tls.key', 'field');
  checkNotExpired(secret, 'tls.crt', checkKeyPair(secret, cert, key), now);
  return [
    { fileName: certName, bytes: cert },
    { fileName: keyName, bytes: key },
  ];
}

/** Maps the TLS Secrets to certificate files (the names in src/config/constants.ts TLS_FILES), checking each key pair and expiry. */
export function renderTlsFiles(secrets: TlsSecrets, now: Date = new Date()): TlsFile[] {
  const files: TlsFile[] = [];
  if (secrets.serverSecret) {
    files.push(...keyPairFiles(secrets.serverSecret, TLS_FILES.serverCert, TLS_FILES.serverKey, now));
  }
  if (secrets.replicationSecret) {
    files.push(...keyPairFiles(secrets.replicationSecret, TLS_FILES.replicationCert, TLS_FILES.replicationKey, now));
  }
  if (secrets.clientCaSecret) {
    files.push(caFile(secrets.clientCaSecret, TLS_FILES.clientCa, now));
  }
  if (secrets.serverCaSecret) {
    files.push(caFile(secrets.serverCaSecret, TLS_FILES.serverCa, now));
  }
  return files;
}

export interface WriteTlsResult {
  changed: boolean;
  /** Base names of the files whose content changed, for "Refreshed configuration file" log lines. */
  changedFiles: string[];
}

/** Writes the files atomically with mode 0600; `changed` tells the caller to reload postgres. */
export async function writeTlsFiles(dir: string, files: readonly TlsFile[]): Promise<WriteTlsResult> {
  for (const file of files) {
    if (file.fileName.includes('/') || file.fileName.startsWith('.')) {
      throw new ManagerError('TLS', `refusing to write certificate file outside ${dir}: ${file.fileName}`);
    }
  }
  // Independent files: their fsyncs run side by side in libuv's threadpool. postgres reads them only on
  // the reload that follows, once every write has finished.
  const results = await Promise.all(
    files.map(async (file) => {
      try {
        return (await writeFileAtomic(join(dir, file.fileName), file.bytes, TLS_FILE_MODE)).changed ? file.fileName : undefined;
      } catch (err) {
        throw wrap('CONFIG_WRITE', `while writing ${file.fileName}`, err);
      }
    }),
  );
  const changedFiles = results.filter((f): f is string => f !== undefined);
  return { changed: changedFiles.length > 0, changedFiles };
}

/** Subject, expiry and fingerprints of a PEM certificate, for status and for pinning the operator. */
export function certificateSummary(pem: string | Buffer): CertificateSummary {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(pem);
  } catch (err) {
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
