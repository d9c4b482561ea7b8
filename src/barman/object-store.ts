// The barmanObjectStore of a Cluster (spec.backup.barmanObjectStore, or externalClusters[].barmanObjectStore
// for a recovery source), as the barman-cloud tools need it (CNPG api/v1 BarmanObjectStoreConfiguration,
// barman-cloud pkg/api/config.go): the credentials as the environment variables barman reads.
import { ManifestError } from '../errors.js';
import { Fields } from '../spec/fields.js';
import type { Cluster, SecretKeyRef } from '../spec/cluster.js';

export interface ObjectStore {
  destinationPath: string;
  /** barman's server name: spec serverName, else the cluster's (or the external cluster's) name. */
  serverName: string;
  endpointURL?: string;
  cloudProvider: 'aws-s3' | 'azure-blob-storage' | 'google-cloud-storage';
  /** Azure inheritFromAzureAD: barman's `--credential managed-identity` (CNPG barman-cloud pkg/command). */
  azureManagedIdentity?: boolean;
  /** Where each credential comes from: a Secret key, or the environment (inheritFromIAMRole...). */
  credentials: Partial<Record<CredentialEnv, SecretKeyRef>>;
  /** endpointCA: the Secret key holding the PEM of the store's CA (barman-run.ts hands it to the tools). */
  endpointCA?: SecretKeyRef;
  data: { compression?: string; encryption?: string; immediateCheckpoint: boolean; jobs?: number; additionalCommandArgs?: string[] };
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
      additionalCommandArgs: data?.stringList('additionalCommandArgs'),
    },
    wal: { compression: wal?.string('compression', { nonEmpty: true }), encryption: wal?.string('encryption', { nonEmpty: true }), maxParallel: wal?.int('maxParallel', 1) ?? 1 },
  };
  const endpointURL = f.string('endpointURL', { nonEmpty: true });
  if (endpointURL !== undefined) store.endpointURL = endpointURL;
  const endpointCA = ref(f, 'endpointCA');
  if (endpointCA !== undefined) store.endpointCA = endpointCA;
  if (f.child('azureCredentials')?.bool('inheritFromAzureAD') === true) store.azureManagedIdentity = true;
  return store;
}

/** The Cluster's own object store (spec.backup.barmanObjectStore, validated by spec/validate-backup.ts), or undefined. */
export function clusterObjectStore(cluster: Cluster): ObjectStore | undefined {
  const s = cluster.spec.backup?.barmanObjectStore;
  if (!s) return undefined;
  const credentials: ObjectStore['credentials'] = {};
  const pairs: [CredentialEnv, SecretKeyRef | undefined][] = [
    ['AWS_ACCESS_KEY_ID', s.s3?.accessKeyId], ['AWS_SECRET_ACCESS_KEY', s.s3?.secretAccessKey], ['AWS_SESSION_TOKEN', s.s3?.sessionToken], ['AWS_DEFAULT_REGION', s.s3?.region],
    ['AZURE_STORAGE_ACCOUNT', s.azure?.storageAccount], ['AZURE_STORAGE_KEY', s.azure?.storageKey], ['AZURE_STORAGE_SAS_TOKEN', s.azure?.storageSasToken], ['AZURE_STORAGE_CONNECTION_STRING', s.azure?.connectionString],
  ];
  for (const [env, ref] of pairs) if (ref) credentials[env] = ref; // eslint-disable-line security/detect-object-injection -- fixed names
  return {
    destinationPath: s.destinationPath,
    serverName: s.serverName ?? cluster.name,
    ...(s.endpointURL ? { endpointURL: s.endpointURL } : {}),
    ...(s.endpointCA ? { endpointCA: s.endpointCA } : {}),
    cloudProvider: s.provider === 'azure' ? 'azure-blob-storage' : 'aws-s3',
    ...(s.azure?.inheritFromAzureAD ? { azureManagedIdentity: true } : {}),
    credentials,
    data: { ...s.data },
    wal: { ...s.wal },
  };
}

/** spec.backup.retentionPolicy (`^[1-9][0-9]*[dwm]$`) as barman's "RECOVERY WINDOW OF n DAYS|WEEKS|MONTHS". */
export function retentionPolicy(cluster: Cluster): string | undefined {
  const text = cluster.spec.backup?.retentionPolicy;
  if (text === undefined) return undefined;
  const m = /^([1-9][0-9]*)([dwm])$/.exec(text);
  if (!m) throw new ManifestError('spec.backup.retentionPolicy', `must look like 30d, 4w or 6m, got '${text}'`);
  const unit = { d: 'DAYS', w: 'WEEKS', m: 'MONTHS' }[m[2] as 'd' | 'w' | 'm'];
  return `RECOVERY WINDOW OF ${m[1]} ${unit}`;
}
