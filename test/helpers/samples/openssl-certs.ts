// Certificates the samples expect someone else to have made: what cert-manager would issue for the
// cert-manager sample's Certificate objects, and a client certificate signed by the source stand-in's CA (as
// `kubectl cnpg certificate` makes one). Made with the openssl CLI, in a scratch folder, ECDSA P-256.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PemPair {
  cert: string;
  key: string;
}

function openssl(args: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('openssl', args, { cwd, timeout: 30_000 }, (err, _out, stderr) => (err ? reject(new Error(`openssl ${args[0] ?? ''}: ${stderr.trim() || err.message}`)) : resolve()));
  });
}

export interface CertRequest {
  commonName: string;
  isCA?: boolean;
  dnsNames?: readonly string[];
  usages?: readonly ('server auth' | 'client auth')[];
  /** The signer; self-signed when absent. */
  issuer?: PemPair;
}

/** Issues one certificate (and its new key) with openssl. */
export async function issueCertificate(r: CertRequest): Promise<PemPair> {
  const dir = mkdtempSync(join(tmpdir(), 'pgim-samples-cert-'));
  try {
    const ext: string[] = [];
    if (r.isCA) ext.push('basicConstraints=critical,CA:TRUE', 'keyUsage=critical,keyCertSign,cRLSign,digitalSignature');
    else ext.push('basicConstraints=CA:FALSE', 'keyUsage=critical,digitalSignature,keyEncipherment');
    if (r.usages && r.usages.length > 0) ext.push(`extendedKeyUsage=${r.usages.map((u) => (u === 'server auth' ? 'serverAuth' : 'clientAuth')).join(',')}`);
    if (r.dnsNames && r.dnsNames.length > 0) ext.push(`subjectAltName=${r.dnsNames.map((n) => `DNS:${n}`).join(',')}`);
    writeFileSync(join(dir, 'ext.cnf'), ext.join('\n') + '\n');
    await openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'key.pem'], dir);
    await openssl(['req', '-new', '-key', 'key.pem', '-subj', `/CN=${r.commonName}`, '-out', 'req.csr'], dir);
    if (r.issuer) {
      writeFileSync(join(dir, 'ca.crt'), r.issuer.cert);
      writeFileSync(join(dir, 'ca.key'), r.issuer.key, { mode: 0o600 });
      await openssl(['x509', '-req', '-in', 'req.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-extfile', 'ext.cnf', '-out', 'cert.pem'], dir);
    } else {
      await openssl(['x509', '-req', '-in', 'req.csr', '-signkey', 'key.pem', '-days', '2', '-extfile', 'ext.cnf', '-out', 'cert.pem'], dir);
    }
    return { cert: readFileSync(join(dir, 'cert.pem'), 'utf8'), key: readFileSync(join(dir, 'key.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
