// The status server's certificate: server.crt/server.key as the reconciler writes them from the server TLS
// Secret. Polled cheaply (stat) and swapped into the listening server with setSecureContext, so a rotated
// Secret is served to the next connection without dropping the listener (CNPG SetServerCertificate).
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { SecureContextOptions } from 'node:tls';
import { TLS_FILES, TRUST_NO_CA } from '../config/constants.js';
import type { Logger } from '../log/logger.js';

/** TLS 1.3 only, as CNPG's status server (tls.Config MinVersion TLS13) and our postgres defaults. */
export const STATUS_TLS_MIN_VERSION = 'TLSv1.3';

export interface LoadedCertificate {
  context: SecureContextOptions;
  subject: string;
  notAfter: string;
  fingerprint256: string;
}

async function signature(path: string): Promise<string> {
  try {
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- a file in the certificates folder
    const s = await stat(path);
    return `${s.ino}:${s.size}:${s.mtimeMs}`;
  } catch {
    return 'missing';
  }
}

/** Watches one certificate folder; `check()` returns a new context when the pair changed and is valid. */
export class ServerCertificate {
  readonly #certPath: string;
  readonly #keyPath: string;
  readonly #log: Logger;
  #seen = '';
  #loaded: LoadedCertificate | undefined;

  constructor(certificatesDir: string, log: Logger) {
    this.#certPath = join(certificatesDir, TLS_FILES.serverCert);
    this.#keyPath = join(certificatesDir, TLS_FILES.serverKey);
    this.#log = log;
  }

  /** The certificate in use, if any. */
  current(): LoadedCertificate | undefined {
    return this.#loaded;
  }

  /** Re-reads the pair when either file changed; undefined when nothing new is to be served. */
  async check(): Promise<LoadedCertificate | undefined> {
    const seen = `${await signature(this.#certPath)}|${await signature(this.#keyPath)}`;
    if (seen === this.#seen) return undefined;
    this.#seen = seen;
    if (seen.includes('missing')) return undefined;
    let certPem: Buffer;
    let keyPem: Buffer;
    try {
      // eslint-disable-next-line security/detect-non-literal-fs-filename -- server.crt in the certificates folder
      certPem = await readFile(this.#certPath);
      // eslint-disable-next-line security/detect-non-literal-fs-filename -- server.key in the certificates folder
      keyPem = await readFile(this.#keyPath);
    } catch (err) {
      this.#seen = '';
      this.#log.warn({ code: (err as NodeJS.ErrnoException).code }, 'cannot read the status server certificate yet');
      return undefined;
    }
    let cert: X509Certificate;
    let key: KeyObject;
    try {
      cert = new X509Certificate(certPem);
      key = createPrivateKey(keyPem);
    } catch {
      // No cause in the log: a parser error could echo key material.
      this.#log.warn('the server certificate or key is not valid PEM: keeping the previous one');
      return undefined;
    }
    // Written as two files: between the two renames the pair may not match yet; the next poll sees both.
    if (!cert.checkPrivateKey(key)) {
      this.#seen = '';
      return undefined;
    }
    this.#loaded = {
      context: { cert: certPem, key: keyPem, ca: TRUST_NO_CA, minVersion: STATUS_TLS_MIN_VERSION },
      subject: cert.subject,
      notAfter: cert.validTo,
      fingerprint256: cert.fingerprint256,
    };
    return this.#loaded;
  }
}
