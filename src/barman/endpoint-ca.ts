// barmanObjectStore.endpointCA for the barman-cloud tools: the PEM from its Secret written to a 0600 file in the
// run folder, named after its content so several stores (own archive, recovery source) never overwrite each
// other, and handed over as the variable the tool's cloud library reads: AWS_CA_BUNDLE for boto3 (S3),
// REQUESTS_CA_BUNDLE for the Azure SDK (CNPG barman-cloud pkg/credentials/env.go; CNPG writes
// /controller/certificates/backup-barman-ca.crt the same way). The variable is always ours: an ambient one
// from the manager's environment never decides which CA a store with endpointCA is checked against.
import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ManagerError } from '../errors.js';
import { writeFileAtomic } from '../files/write-file-atomic.js';
import type { SecretKeyRef } from '../spec/cluster.js';
import type { SecretObject } from '../model/objects.js';

export type CaBundleVariable = 'AWS_CA_BUNDLE' | 'REQUESTS_CA_BUNDLE';

/** The variable a provider's library reads a CA bundle from. */
export function caBundleVariable(cloudProvider: string): CaBundleVariable {
  return cloudProvider === 'azure-blob-storage' || cloudProvider === 'azure' ? 'REQUESTS_CA_BUNDLE' : 'AWS_CA_BUNDLE';
}

/** Writes `pem` as `<dir>/endpoint-ca-<sha256 prefix>.crt` (0600, atomic, skipped when already there); returns the path. */
export async function writeCaBundle(pem: Buffer, dir: string): Promise<string> {
  if (!pem.toString('utf8').includes('-----BEGIN CERTIFICATE-----')) throw new ManagerError('INVALID_SECRET', 'endpointCA: the Secret key holds no PEM certificate');
  const path = join(dir, `endpoint-ca-${createHash('sha256').update(pem).digest('hex').slice(0, 16)}.crt`);
  // eslint-disable-next-line security/detect-non-literal-fs-filename -- our run folder
  const current = await readFile(path).catch(() => undefined);
  if (current?.equals(pem)) return path;
  // eslint-disable-next-line security/detect-non-literal-fs-filename -- our run folder
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await writeFileAtomic(path, pem, 0o600);
  return path;
}

/** `{ AWS_CA_BUNDLE | REQUESTS_CA_BUNDLE: file }` for a store's CA, or {} without one. */
export async function caBundleEnv(pem: Buffer | undefined, cloudProvider: string, dir: string): Promise<Record<string, string>> {
  if (pem === undefined) return {};
  return { [caBundleVariable(cloudProvider)]: await writeCaBundle(pem, dir) };
}

/** Reads the endpointCA Secret key; a missing Secret or key is an error naming it. */
export async function readEndpointCa(ref: SecretKeyRef, getSecret: (name: string) => Promise<SecretObject | undefined>): Promise<Buffer> {
  const secret = await getSecret(ref.name);
  const value = secret?.data[ref.key];
  if (!value) throw new ManagerError('INVALID_SECRET', `endpointCA: Secret "${ref.name}" has no key "${ref.key}"${secret ? '' : ' (the Secret does not exist)'}`);
  if (!value.toString('utf8').includes('-----BEGIN CERTIFICATE-----')) throw new ManagerError('INVALID_SECRET', `endpointCA: Secret "${ref.name}" key "${ref.key}" holds no PEM certificate`);
  return value;
}
