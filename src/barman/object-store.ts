// The barmanObjectStore of a Cluster (spec.backup.barmanObjectStore, or externalClusters[].barmanObjectStore
// for a recovery source), as the barman-cloud tools need it (CNPG api/v1 BarmanObjectStoreConfiguration,
// barman-cloud pkg/api/config.go). Read from the raw Cluster so this stays independent of the spec loader's
// own view of `spec.backup`: the loader validates the manifest, this only reads what the tools take.
import { ManifestError } from '../errors.js';
import { Fields } from '../spec/fields.js';
import type { Cluster, SecretKeyRef } from '../spec/cluster.js';

export interface ObjectStore {
  destinationPath: string;
  /** barman's server name: spec serverName, else the cluster's (or the external cluster's) name. */
  serverName: string;
  endpointURL?: string;
  cloudProvider: 'aws-s3' | 'azure-blob-storage' | 'google-cloud-storage';
  /** Where each credential comes from: a Secret key, or the environment (inheritFromIAMRole...). */
  credentials: Partial<Record<CredentialEnv, SecretKeyRef>>;
  data: { compression?: string; encryption?: string; immediateCheckpoint: boolean; jobs?: number };
  wal: { compression?: string; encryption?: string; maxParallel: number };
}

/** The environment variables barman-cloud reads its credentials from (barman-cloud pkg/credentials/env.go). */
export type CredentialEnv =
  | 'AWS_ACCESS_KEY_ID' | 'AWS_SECRET_ACCESS_KEY' | 'AWS_SESSION_TOKEN' | 'AWS_DEFAULT_REGION'
  | 'AZURE_STORAGE_ACCOUNT' | 'AZURE_STORAGE_KEY' | 'AZURE_STORAGE_SAS_TOKEN' | 'AZURE_STORAGE_CONNECTION_STRING';

const S3_KEYS: [string, CredentialEnv][] = [['accessKeyId', 'AWS_ACCESS_KEY_ID'], ['secretAccessKey', 'AWS_SECRET_ACCESS_KEY'], ['sessionToken', 'AWS_SESSION_TOKEN'], ['region', 'AWS_DEFAULT_REGION']];
const AZURE_KEYS: [string, CredentialEnv][] = [['storageAccount', 'AZURE_STORAGE_ACCOUNT'], ['storageKey', 'AZURE_STORAGE_KEY'], ['storageSasToken', 'AZURE_STORAGE_SAS_TOKEN'], ['connectionString', 'AZURE_STORAGE_CONNECTION_STRING']];

function ref(f: Fields, key: string): SecretKeyRef | undefined {
  const r = f.child(key);
  return r ? { name: r.requiredString('name'), key: r.requiredString('key') } : undefined;
}

/** Reads one barmanObjectStore mapping found at `path`; `defaultServer` names the server when serverName is absent. */
export function readObjectStore(value: unknown, path: string, defaultServer: string): ObjectStore {
  const f = Fields.of(value, path);
  const destinationPath = f.requiredString('destinationPath');
  const credentials: ObjectStore['credentials'] = {};
  let cloudProvider: ObjectStore['cloudProvider'] = 'aws-s3';
  for (const [block, keys, provider] of [['s3Credentials', S3_KEYS, 'aws-s3'], ['azureCredentials', AZURE_KEYS, 'azure-blob-storage']] as const) {
    const c = f.child(block);
    if (!c) continue;
    cloudProvider = provider;
    for (const [key, env] of keys) {
      const r = ref(c, key);
      if (r) credentials[env] = r; // eslint-disable-line security/detect-object-injection -- env is from a fixed table
    }
  }
  if (f.has('googleCredentials')) throw new ManifestError(f.at('googleCredentials'), 'Google Cloud Storage is not supported (no barman GCS library in this image)');
  const data = f.child('data');
  const wal = f.child('wal');
  const store: ObjectStore = {
    destinationPath,
    serverName: f.string('serverName', { nonEmpty: true }) ?? defaultServer,
    cloudProvider,
    credentials,
    data: {
      compression: data?.string('compression', { nonEmpty: true }),
      encryption: data?.string('encryption', { nonEmpty: true }),
      immediateCheckpoint: data?.bool('immediateCheckpoint') ?? false,
      jobs: data?.int('jobs', 1),
    },
    wal: { compression: wal?.string('compression', { nonEmpty: true }), encryption: wal?.string('encryption', { nonEmpty: true }), maxParallel: wal?.int('maxParallel', 1) ?? 1 },
  };
  const endpointURL = f.string('endpointURL', { nonEmpty: true });
  if (endpointURL !== undefined) store.endpointURL = endpointURL;
  return store;
}

/** The Cluster's own object store (spec.backup.barmanObjectStore), or undefined when it has none. */
export function clusterObjectStore(cluster: Cluster): ObjectStore | undefined {
  const backup = Fields.optional((cluster.raw.spec as Record<string, unknown> | undefined)?.backup, 'spec.backup');
  const store = backup?.get('barmanObjectStore');
  return store === undefined ? undefined : readObjectStore(store, 'spec.backup.barmanObjectStore', cluster.name);
}

/** spec.backup.retentionPolicy (`^[1-9][0-9]*[dwm]$`) as barman's "RECOVERY WINDOW OF n DAYS|WEEKS|MONTHS". */
export function retentionPolicy(cluster: Cluster): string | undefined {
  const backup = Fields.optional((cluster.raw.spec as Record<string, unknown> | undefined)?.backup, 'spec.backup');
  const text = backup?.string('retentionPolicy');
  if (text === undefined) return undefined;
  const m = /^([1-9][0-9]*)([dwm])$/.exec(text);
  if (!m) throw new ManifestError('spec.backup.retentionPolicy', `must look like 30d, 4w or 6m, got '${text}'`);
  const unit = { d: 'DAYS', w: 'WEEKS', m: 'MONTHS' }[m[2] as 'd' | 'w' | 'm'];
  return `RECOVERY WINDOW OF ${m[1]} ${unit}`;
}
