// The Secrets and ConfigMaps a sample names, in its state folder's secrets/ and configmaps/ (one folder per
// object, one file per key, as mounted in a pod): first the ones its file ships (data base64-decoded,
// stringData as is), then what an operator, cert-manager or the user would have created, with values the
// stand-ins accept: the store key of s3rver, the source's passwords and certificates, new passwords for
// users the sample creates, and the Backup object a recovery names (copied from the source's).
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { S3_KEY } from '../s3-server.js';
import type { KubeObject, Sample } from './sample-catalog.js';
import { issueCertManagerSecrets } from './cert-manager-stand-in.js';
import { SOURCE_STORE_SECRET, type SourceStandIn } from './source-stand-in.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const ref = (v: unknown): { name: string; key: string } | undefined => (isObj(v) && typeof v.name === 'string' && typeof v.key === 'string' ? { name: v.name, key: v.key } : undefined);

export interface SecretsContext {
  stateDir: string;
  source?: SourceStandIn;
  azure?: { secret: string; key: string; connectionString: string };
}

class Folder {
  constructor(readonly root: string) {}
  has(name: string, key?: string): boolean {
    return existsSync(key === undefined ? join(this.root, name) : join(this.root, name, key));
  }
  /** Writes the keys that are missing (all of them with `overwrite`). */
  put(name: string, data: Record<string, string | Buffer>, overwrite = false): void {
    mkdirSync(join(this.root, name), { recursive: true, mode: 0o700 });
    for (const [k, v] of Object.entries(data)) if (overwrite || !this.has(name, k)) writeFileSync(join(this.root, name, k), v, { mode: 0o600 });
  }
}

const password = (): string => randomBytes(18).toString('base64url');

/** Writes every Secret, ConfigMap and Backup the (rewritten) sample needs; returns one note per object made up here. */
export async function installSampleObjects(sample: Sample, cluster: KubeObject, c: SecretsContext): Promise<string[]> {
  const secrets = new Folder(join(c.stateDir, 'secrets'));
  const configmaps = new Folder(join(c.stateDir, 'configmaps'));
  const notes: string[] = [];
  for (const doc of sample.companions) {
    const name = doc.metadata?.name;
    if (typeof name !== 'string') continue;
    const data = isObj(doc.data) ? doc.data : {};
    if (doc.kind === 'Secret') {
      const decoded: Record<string, string | Buffer> = {};
      for (const [k, v] of Object.entries(data)) decoded[k] = Buffer.from(String(v), 'base64'); // eslint-disable-line security/detect-object-injection -- a sample's Secret keys
      if (isObj(doc.stringData)) for (const [k, v] of Object.entries(doc.stringData)) decoded[k] = String(v); // eslint-disable-line security/detect-object-injection -- idem
      if (Object.keys(decoded).length > 0) secrets.put(name, decoded);
    } else if (doc.kind === 'ConfigMap') {
      configmaps.put(name, Object.fromEntries(Object.entries(data).map(([k, v]) => [k, String(v)])));
    }
  }
  notes.push(...(await issueCertManagerSecrets(sample, (name, data) => secrets.put(name, data), (name) => secrets.has(name, 'tls.crt'))));
  const spec = isObj(cluster.spec) ? cluster.spec : {};
  const made = (name: string, data: Record<string, string>, why: string): void => {
    if (secrets.has(name)) return;
    secrets.put(name, data);
    notes.push(`Secret ${name} made here (${why})`);
  };
  const initdb = isObj(spec.bootstrap) && isObj(spec.bootstrap.initdb) ? spec.bootstrap.initdb : undefined;
  if (initdb && isObj(initdb.secret) && typeof initdb.secret.name === 'string') {
    made(initdb.secret.name, { username: typeof initdb.owner === 'string' ? initdb.owner : 'app', password: password() }, 'the owner\'s credentials');
  }
  if (spec.enableSuperuserAccess === true) {
    const name = isObj(spec.superuserSecret) && typeof spec.superuserSecret.name === 'string' ? spec.superuserSecret.name : `${sample.name}-superuser`;
    made(name, { username: 'postgres', password: password() }, 'the superuser\'s credentials, as the operator makes them');
  }
  const storeKeys = (store: unknown, why: string): void => {
    const s3 = isObj(store) && isObj(store.s3Credentials) ? store.s3Credentials : undefined;
    if (!s3) return;
    for (const [field, value] of [['accessKeyId', S3_KEY], ['secretAccessKey', S3_KEY], ['region', 'us-east-1']] as const) {
      const r = ref(s3[field]); // eslint-disable-line security/detect-object-injection -- fixed field names
      // The store is the stand-in: its key replaces a key the sample ships (cluster-example-full's is a placeholder).
      if (r) {
        secrets.put(r.name, { [r.key]: value }, true);
        notes.push(`Secret ${r.name} key ${r.key}: the s3rver stand-in's (${why})`);
      }
    }
  };
  storeKeys(isObj(spec.backup) ? spec.backup.barmanObjectStore : undefined, 'backup');
  if (c.azure) secrets.put(c.azure.secret, { [c.azure.key]: c.azure.connectionString });
  for (const entry of Array.isArray(spec.externalClusters) ? (spec.externalClusters as unknown[]) : []) {
    if (!isObj(entry)) continue;
    storeKeys(entry.barmanObjectStore, `externalClusters ${String(entry.name)}`);
    const source = c.source;
    if (!source) continue;
    const user = isObj(entry.connectionParameters) ? String(entry.connectionParameters.user) : '';
    const pw = ref(entry.password);
    if (pw) secrets.put(pw.name, { [pw.key]: user === 'postgres' ? source.superuserPassword : source.appPassword }, true);
    const pair = user === 'streaming_replica' ? source.replication : source.appClient;
    const cert = ref(entry.sslCert);
    const key = ref(entry.sslKey);
    const root = ref(entry.sslRootCert);
    if (cert) secrets.put(cert.name, { [cert.key]: pair.cert }, true);
    if (key) secrets.put(key.name, { [key.key]: pair.key }, true);
    if (root) secrets.put(root.name, { [root.key]: source.ca }, true);
    if (pw || cert || key || root) notes.push(`externalClusters ${String(entry.name)}: the source stand-in's ${user} credentials`);
  }
  const recovery = isObj(spec.bootstrap) && isObj(spec.bootstrap.recovery) ? spec.bootstrap.recovery : undefined;
  if (recovery && isObj(recovery.backup) && typeof recovery.backup.name === 'string' && c.source) {
    const dir = join(c.stateDir, 'backups');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${recovery.backup.name}.json`), JSON.stringify({ ...c.source.backup, metadata: { name: recovery.backup.name } }));
    secrets.put(SOURCE_STORE_SECRET, { ACCESS_KEY_ID: S3_KEY, ACCESS_SECRET_KEY: S3_KEY });
    notes.push(`Backup ${recovery.backup.name}: the source stand-in's completed backup`);
  }
  mkdirSync(c.stateDir, { recursive: true });
  await new Promise<void>((resolve, reject) => execFile('chown', ['-R', 'postgres:postgres', c.stateDir], (err) => (err ? reject(new Error(`chown ${c.stateDir}: ${err.message}`)) : resolve())));
  return notes;
}
