// The embedded default has no operator, so it makes the Secrets the operator would have made
// (cloudnative-pg pkg/certs and the app-user secret): a CA, a server and a replication certificate,
// and the application user's credentials. Only missing Secrets are created: one a user supplied wins.
import { randomInt } from 'node:crypto';
import type { SecretObject, SecretWriter } from '../model/objects.js';
import { PORTS } from '../config/constants.js';
import { ManagerError } from '../errors.js';
import type { ChildRegistry } from '../supervisor/child-registry.js';
import type { PemPair } from './generate.js';
import { generateInChild, type GenerateRequest } from './generate-in-child.js';

/** The two pino methods provisioning uses, so tests can pass a capturing fake. */
export interface ProvisionLog {
  info(fields: Record<string, unknown>, msg: string): void;
  warn(fields: Record<string, unknown>, msg: string): void;
}

export interface ProvisionLocalOptions {
  clusterName: string;
  /** Extra DNS names for the server certificate; `<cluster>-rw` and localhost are always included. */
  dnsNames?: readonly string[];
  /** Extra IP addresses for the server certificate; 127.0.0.1 and ::1 are always included. */
  ipAddresses?: readonly string[];
  appUser: string;
  /** spec.bootstrap.initdb.secret.name; `<cluster>-app` when absent. */
  appSecretName?: string;
  appDatabase: string;
  getSecret: (name: string) => Promise<SecretObject | undefined>;
  createSecret: SecretWriter['createSecret'];
  /** The component logger (a pino Logger fits). */
  log: ProvisionLog;
  /** Certificate validity in days; the operator's CERTIFICATE_DURATION default (90) when absent. */
  days?: number;
  /** Certificates are made by a child process (generate-in-child.ts), registered here for the reaper. */
  registry: ChildRegistry;
}

export interface ProvisionResult {
  /** Names of the Secrets created by this call, in creation order. */
  created: string[];
}

/** Secret names the operator would fill into cluster.status.certificates and the app secret. */
export function localSecretNames(clusterName: string): {
  ca: string;
  server: string;
  replication: string;
  app: string;
} {
  return {
    ca: `${clusterName}-ca`,
    server: `${clusterName}-server`,
    replication: `${clusterName}-replication`,
    app: `${clusterName}-app`,
  };
}

/** The user CNPG's replicas authenticate as, with a certificate whose CN is that name. */
export const STREAMING_REPLICA_USER = 'streaming_replica';

const PASSWORD_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const PASSWORD_LENGTH = 64;

/** A 64-character [A-Za-z0-9] password; randomInt rejects out-of-range draws, so there is no modulo bias. */
export function generatePassword(length = PASSWORD_LENGTH): string {
  let out = '';
  for (let i = 0; i < length; i++) out += PASSWORD_ALPHABET.charAt(randomInt(PASSWORD_ALPHABET.length));
  return out;
}

// .pgpass grammar: ':' and '\' inside a field are escaped with '\'
// (https://www.postgresql.org/docs/current/libpq-pgpass.html).
function pgpassField(value: string): string {
  return value.replace(/[\\:]/g, (c) => `\\${c}`);
}

interface ConnectionFields {
  host: string;
  port: string;
  dbname: string;
  user: string;
  password: string;
}

/** The app Secret's `uri` and `pgpass` keys, derived from its other keys (as CNPG's operator writes them). */
function connectionKeys({ host, port, dbname, user, password }: ConnectionFields): { uri: string; pgpass: string } {
  return {
    uri: `postgresql://${encodeURIComponent(user)}:${encodeURIComponent(password)}@${host}:${port}/${encodeURIComponent(dbname)}`,
    pgpass: `${[host, port, dbname, user, password].map(pgpassField).join(':')}\n`,
  };
}

/**
 * For an app Secret of the shape created below: the `uri` and `pgpass` keys that no longer match its
 * `password` (and host, port, dbname, username), e.g. after the user rotated the password by editing that
 * key. Undefined when they match, or when the Secret lacks a key of that shape (then it is not ours to fix).
 */
export function staleConnectionKeys(secret: SecretObject): Record<string, Buffer> | undefined {
  // Own keys only, read through a Map: a key named `constructor` must not reach the prototype.
  const data = new Map(Object.entries(secret.data));
  const text = (key: string): string | undefined => data.get(key)?.toString('utf8');
  const [host, port, dbname, user, password, uri, pgpass] = ['host', 'port', 'dbname', 'username', 'password', 'uri', 'pgpass'].map(text);
  if (host === undefined || port === undefined || dbname === undefined || user === undefined || password === undefined) return undefined;
  if (uri === undefined || pgpass === undefined) return undefined;
  const want = connectionKeys({ host, port, dbname, user, password });
  const stale: Record<string, Buffer> = {};
  if (want.uri !== uri) stale.uri = Buffer.from(want.uri, 'utf8');
  if (want.pgpass !== pgpass) stale.pgpass = Buffer.from(want.pgpass, 'utf8');
  return Object.keys(stale).length > 0 ? stale : undefined;
}

function appSecretData(options: ProvisionLocalOptions, password: string): Record<string, Buffer> {
  const host = `${options.clusterName}-rw`;
  const port = String(PORTS.postgres);
  const { appUser: user, appDatabase: dbname } = options;
  const { uri, pgpass } = connectionKeys({ host, port, dbname, user, password });
  const text: Record<string, string> = {
    username: user,
    password,
    dbname,
    host,
    port,
    user,
    pgpass,
    uri,
  };
  return Object.fromEntries(Object.entries(text).map(([k, v]) => [k, Buffer.from(v, 'utf8')]));
}

function caFromSecret(secret: SecretObject): PemPair {
  const cert = secret.data['ca.crt'];
  if (cert === undefined) throw new ManagerError('TLS', `missing ca.crt entry in Secret ${secret.name}`);
  const key = secret.data['ca.key'];
  if (key === undefined) {
    throw new ManagerError('TLS', `cannot sign a missing certificate: missing ca.key entry in Secret ${secret.name}`);
  }
  return { certPem: cert.toString('utf8'), keyPem: key.toString('utf8') };
}

/** Creates whichever of `<cluster>-ca`, `-server`, `-replication` and `-app` is missing; never overwrites. */
export async function provisionLocalSecrets(options: ProvisionLocalOptions): Promise<ProvisionResult> {
  const names = localSecretNames(options.clusterName);
  const created: string[] = [];
  const create = async (name: string, data: Record<string, Buffer>): Promise<void> => {
    await options.createSecret(name, data);
    created.push(name);
    options.log.info({ secretName: name }, 'created secret');
  };
  const createPem = async (name: string, pair: PemPair | undefined, certKey: string, keyKey: string): Promise<void> => {
    if (pair !== undefined) await create(name, { [certKey]: Buffer.from(pair.certPem), [keyKey]: Buffer.from(pair.keyPem) });
  };
  const [caSecret, serverSecret, replicationSecret, appSecret] = await Promise.all([
    options.getSecret(names.ca),
    options.getSecret(names.server),
    options.getSecret(names.replication),
    options.getSecret(options.appSecretName ?? names.app),
  ]);

  const request: GenerateRequest = { ca: { commonName: options.clusterName }, days: options.days };
  if (serverSecret === undefined) {
    request.server = {
      commonName: `${options.clusterName}-rw`,
      dnsNames: [`${options.clusterName}-rw`, ...(options.dnsNames ?? []), 'localhost'],
      ipAddresses: [...(options.ipAddresses ?? []), '127.0.0.1', '::1'],
    };
  }
  if (replicationSecret === undefined) request.client = { commonName: STREAMING_REPLICA_USER };
  const leaves = request.server !== undefined || request.client !== undefined;
  // The CA is only read when a leaf must be signed, so a user who supplied every certificate but kept the
  // CA key elsewhere is not refused.
  if (caSecret !== undefined && leaves) request.ca = caFromSecret(caSecret);
  if (caSecret === undefined || leaves) {
    if (caSecret === undefined && !leaves) {
      // Both leaves were supplied: the CA still has to exist because it is the client and server CA file.
      options.log.warn({ secretName: names.ca }, 'creating a CA that did not sign the supplied certificates');
    }
    const made = await generateInChild(request, options.registry);
    await createPem(names.ca, made.ca, 'ca.crt', 'ca.key');
    await createPem(names.server, made.server, 'tls.crt', 'tls.key');
    await createPem(names.replication, made.client, 'tls.crt', 'tls.key');
  }
  if (appSecret === undefined) await create(options.appSecretName ?? names.app, appSecretData(options, generatePassword()));
  return { created };
}
