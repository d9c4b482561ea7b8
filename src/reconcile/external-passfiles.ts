// spec.externalClusters -> what goes under <controller>/external/<server>/ (CNPG
// pkg/management/external): the password line's fields and the TLS keys of the referenced Secrets. The
// server name and every Secret name and key become path components, so each one is checked by the guard
// and refused naming its field. Values read here are secrets: errors name fields, never values.
import { join } from 'node:path';
import { ManagerError, ManifestError } from '../errors.js';
import { type PgpassEntry } from '../pgfiles/pgpass.js';
import { assertPathComponent } from '../files/path-component.js';
import type { Cluster } from '../spec/cluster.js';
import type { SpecSource } from '../source/spec-source.js';

export interface ExternalServerFiles {
  name: string;
  dir: string;
  /** host/port/user from connectionParameters (`*` when absent) and the password; dbname is always `*`. */
  password?: Omit<PgpassEntry, 'dbname'>;
  /** sslcert/sslkey/sslrootcert Secret keys, dumped as `<secretName>_<key>`. */
  sslFiles: { fileName: string; bytes: Buffer }[];
}

/** A path component from a manifest field, refused naming the field (as CNPG's pkg/management/external guards it). */
export function pathComponent(value: string, path: string): string {
  try {
    assertPathComponent(value);
  } catch {
    throw new ManifestError(path, 'cannot be used as a filesystem path component (empty, ".", "..", "/" or "\\")');
  }
  return value;
}

const SSL_REFS = ['sslCert', 'sslKey', 'sslRootCert'] as const;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function keyRef(value: unknown, path: string): { name: string; key: string } | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isRecord(value) || typeof value.name !== 'string' || typeof value.key !== 'string') {
    throw new ManifestError(path, 'must be a secret key selector with string name and key');
  }
  return { name: pathComponent(value.name, `${path}.name`), key: pathComponent(value.key, `${path}.key`) };
}

async function secretValue(source: SpecSource, ref: { name: string; key: string }, path: string): Promise<Buffer> {
  const found = await source.getSecret(ref.name);
  if (!found) throw new ManagerError('INVALID_SECRET', `${path}: Secret ${ref.name} not found`);
  // Own keys only: a key such as `constructor` must not reach the prototype.
  const value = Object.hasOwn(found.data, ref.key) ? found.data[ref.key] : undefined;
  if (value === undefined) throw new ManagerError('INVALID_SECRET', `${path}: missing key ${ref.key} inside Secret ${ref.name}`);
  return value;
}

function param(params: Record<string, unknown>, key: string, path: string): string {
  // eslint-disable-next-line security/detect-object-injection -- key is one of three literal names
  const value = params[key];
  if (value === undefined || value === null || value === '') return '*';
  if (typeof value !== 'string') throw new ManifestError(`${path}.${key}`, 'must be a string');
  return value;
}

/** Reads spec.externalClusters from the raw object and resolves the Secrets each one references. */
export async function externalClusterFiles(cluster: Cluster, source: SpecSource, externalDir: string): Promise<ExternalServerFiles[]> {
  const spec = isRecord(cluster.raw.spec) ? cluster.raw.spec : {};
  const list = spec.externalClusters;
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) throw new ManifestError('spec.externalClusters', 'must be a list');
  const out: ExternalServerFiles[] = [];
  for (const [i, item] of list.entries()) {
    const at = `spec.externalClusters[${i}]`;
    if (!isRecord(item) || typeof item.name !== 'string') throw new ManifestError(`${at}.name`, 'required');
    const name = pathComponent(item.name, `${at}.name`);
    const server: ExternalServerFiles = { name, dir: join(externalDir, name), sslFiles: [] };
    const params = isRecord(item.connectionParameters) ? item.connectionParameters : {};
    const passwordRef = keyRef(item.password, `${at}.password`);
    if (passwordRef !== undefined) {
      const password = (await secretValue(source, passwordRef, `${at}.password`)).toString('utf8');
      const cp = `${at}.connectionParameters`;
      server.password = { host: param(params, 'host', cp), port: param(params, 'port', cp), user: param(params, 'user', cp), password };
    }
    for (const field of SSL_REFS) {
      // eslint-disable-next-line security/detect-object-injection -- field is one of three literal names
      const ref = keyRef(item[field], `${at}.${field}`);
      if (ref === undefined) continue;
      const bytes = await secretValue(source, ref, `${at}.${field}`);
      server.sslFiles.push({ fileName: `${ref.name}_${ref.key}`, bytes });
    }
    out.push(server);
  }
  return out;
}
