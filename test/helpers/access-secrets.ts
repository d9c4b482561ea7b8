// Secrets for the access tests, laid out as a mounted Secret volume: `<secrets>/<name>` is a symlink to a
// hidden folder, swapped atomically (rename of a new symlink), so the manager's poll never sees half a
// rotated key pair. Also the log scan that proves no secret reached the output.
import { mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync, chmodSync, lstatSync, readlinkSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { createCa, createClientCert, createServerCert, type PemPair } from '../../src/tls/generate.js';
import type { LogLine } from './manager.js';

/** Writes (or atomically replaces) Secret `name` with `data`. */
export function installSecret(secretsDir: string, name: string, data: Record<string, string>): void {
  mkdirSync(secretsDir, { recursive: true, mode: 0o700 });
  const version = join(secretsDir, `.${name}-${randomBytes(4).toString('hex')}`);
  mkdirSync(version, { mode: 0o755 });
  for (const [key, value] of Object.entries(data)) writeFileSync(join(version, key), value, { mode: 0o644 });
  const link = join(secretsDir, name);
  let old: string | undefined;
  try {
    if (lstatSync(link).isSymbolicLink()) old = join(secretsDir, readlinkSync(link));
  } catch {
    // first version
  }
  const temp = join(secretsDir, `.${name}.tmp-link`);
  symlinkSync(version.slice(secretsDir.length + 1), temp);
  renameSync(temp, link);
  if (old) rmSync(old, { recursive: true, force: true });
}

/** Removes Secret `name` (symlink and folder). */
export function removeSecret(secretsDir: string, name: string): void {
  const link = join(secretsDir, name);
  try {
    const target = join(secretsDir, readlinkSync(link));
    rmSync(link);
    rmSync(target, { recursive: true, force: true });
  } catch {
    rmSync(link, { recursive: true, force: true });
  }
}

export interface TlsMaterial {
  ca: PemPair;
  server: PemPair;
  replication: PemPair;
}

/** A CA with a server certificate (localhost, 127.0.0.1) and a streaming_replica client certificate. */
export async function makeTls(cluster: string, options: { expiredServer?: boolean } = {}): Promise<TlsMaterial> {
  const ca = await createCa({ commonName: `${cluster}-test-ca` });
  const past = options.expiredServer ? { now: new Date(Date.now() - 3 * 86_400_000), days: 1 } : {};
  const server = await createServerCert({ ca, commonName: `${cluster}-rw`, dnsNames: [`${cluster}-rw`, 'localhost'], ipAddresses: ['127.0.0.1'], ...past });
  const replication = await createClientCert({ ca, commonName: 'streaming_replica' });
  return { ca, server, replication };
}

/** Installs the four Secrets the manager reads for `cluster` (CA, server, replication, app). */
export function installClusterSecrets(secretsDir: string, cluster: string, tls: TlsMaterial, appPassword: string): void {
  installSecret(secretsDir, `${cluster}-ca`, { 'ca.crt': tls.ca.certPem, 'ca.key': tls.ca.keyPem });
  installSecret(secretsDir, `${cluster}-server`, { 'tls.crt': tls.server.certPem, 'tls.key': tls.server.keyPem });
  installSecret(secretsDir, `${cluster}-replication`, { 'tls.crt': tls.replication.certPem, 'tls.key': tls.replication.keyPem });
  installSecret(secretsDir, `${cluster}-app`, appSecret('app', appPassword));
}

/** The keys of a basic-auth Secret. */
export function appSecret(username: string, password: string): Record<string, string> {
  return { username, password };
}

/** A password with the characters .pgpass and SQL literals must escape. */
export function trickyPassword(): string {
  return `Pw:${randomBytes(12).toString('hex')}\\'"x`;
}

/** Copies a key pair into `dir` with 0600 (libpq refuses a client key others can read). */
export function clientKeyFiles(dir: string, name: string, pair: PemPair): { cert: string; key: string } {
  mkdirSync(dir, { recursive: true });
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  writeFileSync(cert, pair.certPem);
  writeFileSync(key, pair.keyPem);
  chmodSync(key, 0o600);
  return { cert, key };
}

/** The distinctive parts of a secret to look for in logs: the value itself, JSON-escaped, and PEM body lines. */
export function needles(secret: string): string[] {
  if (secret.includes('-----BEGIN')) {
    return secret.split('\n').filter((l) => l.length >= 32 && !l.startsWith('-----'));
  }
  return [secret, JSON.stringify(secret).slice(1, -1)];
}

/** Every place a secret appears in the output: [] when none. Scans parsed lines, raw text and stderr. */
export function findSecrets(lines: readonly LogLine[], stderr: string, secrets: readonly string[]): string[] {
  const text = `${lines.map((l) => JSON.stringify(l)).join('\n')}\n${stderr}`;
  const found: string[] = [];
  for (const secret of secrets) {
    for (const n of needles(secret)) if (text.includes(n)) found.push(`${n.slice(0, 6)}... (${secret.length} chars)`);
  }
  return found;
}

/** Reads a file as text (for the log scan: secrets written by the manager itself). */
export function readText(path: string): string {
  return readFileSync(path, 'utf8');
}
