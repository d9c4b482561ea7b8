// spec.backup.barmanObjectStore (CNPG api/v1 BarmanObjectStoreConfiguration, barman-cloud pkg/api): where WAL
// is archived. Every field is checked and named in errors; what is not built is refused by name: Google Cloud
// Storage, and the compressions Debian's barman-cli-cloud 3.4 lacks (snappy needs a module it does not ship,
// lz4/xz/zstd are not options of 3.4), so a manifest never promises an archive nobody can write or read.
import { ManifestError } from '../errors.js';
import { checkSingleLine, type Fields } from './fields.js';
import type { SecretKeyRef } from './cluster.js';
import { checkDataKey, checkObjectName } from './secret-refs.js';
import { validateVolumeSnapshot, type VolumeSnapshotConfig } from './validate-volume-snapshot.js';

export type ObjectStoreProvider = 's3' | 'azure';

export interface S3Credentials {
  accessKeyId?: SecretKeyRef;
  secretAccessKey?: SecretKeyRef;
  sessionToken?: SecretKeyRef;
  region?: SecretKeyRef;
  inheritFromIAMRole: boolean;
}

export interface AzureCredentials {
  storageAccount?: SecretKeyRef;
  storageKey?: SecretKeyRef;
  storageSasToken?: SecretKeyRef;
  connectionString?: SecretKeyRef;
  inheritFromAzureAD: boolean;
}

export interface BarmanObjectStore {
  provider: ObjectStoreProvider;
  destinationPath: string;
  endpointURL?: string;
  endpointCA?: SecretKeyRef;
  serverName?: string;
  s3?: S3Credentials;
  azure?: AzureCredentials;
  wal: { compression?: 'gzip' | 'bzip2'; encryption?: 'AES256' | 'aws:kms'; maxParallel: number };
  data: { compression?: 'gzip' | 'bzip2'; encryption?: 'AES256' | 'aws:kms'; immediateCheckpoint: boolean; jobs?: number; additionalCommandArgs?: string[] };
  tags: Record<string, string>;
}

export interface BackupSpec {
  barmanObjectStore?: BarmanObjectStore;
  retentionPolicy?: string;
  target: 'prefer-standby' | 'primary';
  /** spec.backup.volumeSnapshot: how volume-snapshot Backups are taken (validate-volume-snapshot.ts). */
  volumeSnapshot?: VolumeSnapshotConfig;
}

const STORE_KEYS = new Set(['destinationPath', 'endpointURL', 'endpointCA', 's3Credentials', 'azureCredentials', 'googleCredentials', 'serverName', 'wal', 'data', 'tags', 'historyTags']);
const COMPRESSIONS = ['gzip', 'bzip2'] as const;
const UNBUILT_COMPRESSIONS = new Set(['snappy', 'lz4', 'xz', 'zstd']);
const ENCRYPTIONS = ['AES256', 'aws:kms'] as const;

/** Validates spec.backup; undefined when absent. */
export function validateBackup(spec: Fields): BackupSpec | undefined {
  const backup = spec.child('backup');
  if (backup === undefined) return undefined;
  backup.onlyKeys(new Set(['barmanObjectStore', 'retentionPolicy', 'target', 'volumeSnapshot']));
  const retentionPolicy = backup.string('retentionPolicy');
  if (retentionPolicy !== undefined && !/^[1-9][0-9]*[dwm]$/.test(retentionPolicy)) {
    throw new ManifestError(backup.at('retentionPolicy'), `must match ^[1-9][0-9]*[dwm]$ (e.g. 30d), got ${JSON.stringify(retentionPolicy)}`);
  }
  const store = backup.child('barmanObjectStore');
  const result: BackupSpec = { target: backup.oneOf('target', ['prefer-standby', 'primary'] as const) ?? 'prefer-standby' };
  if (retentionPolicy !== undefined) result.retentionPolicy = retentionPolicy;
  if (store !== undefined) result.barmanObjectStore = validateStore(store);
  const volumeSnapshot = validateVolumeSnapshot(backup.child('volumeSnapshot'));
  if (volumeSnapshot !== undefined) result.volumeSnapshot = volumeSnapshot;
  return result;
}

function validateStore(store: Fields): BarmanObjectStore {
  store.onlyKeys(STORE_KEYS);
  store.refuse('googleCredentials', 'Google Cloud Storage: Debian has no python3-google-cloud-storage for barman');
  const destinationPath = store.requiredString('destinationPath');
  const provider = providerOf(destinationPath, store.at('destinationPath'));
  const result: BarmanObjectStore = {
    provider,
    destinationPath,
    wal: { maxParallel: 1 },
    data: { immediateCheckpoint: false },
    tags: stringMap(store, 'tags'),
  };
  stringMap(store, 'historyTags');
  const endpointURL = store.string('endpointURL', { nonEmpty: true });
  if (endpointURL !== undefined) {
    if (!/^https?:\/\/[^/\s]+/.test(endpointURL)) throw new ManifestError(store.at('endpointURL'), `must be an http:// or https:// URL, got ${JSON.stringify(endpointURL)}`);
    result.endpointURL = endpointURL;
  }
  const ca = keyRef(store, 'endpointCA');
  if (ca !== undefined) result.endpointCA = ca;
  const serverName = store.string('serverName', { nonEmpty: true });
  if (serverName !== undefined) {
    if (serverName.includes('/')) throw new ManifestError(store.at('serverName'), 'must not contain "/"');
    result.serverName = serverName;
  }
  const s3 = store.child('s3Credentials');
  const azure = store.child('azureCredentials');
  if (provider === 's3') {
    if (azure !== undefined) throw new ManifestError(store.at('azureCredentials'), 'set for an s3:// destinationPath');
    if (s3 === undefined) throw new ManifestError(store.at('s3Credentials'), 'required for an s3:// destinationPath (keys from Secrets, or inheritFromIAMRole: true)');
    result.s3 = s3Credentials(s3);
  } else {
    if (s3 !== undefined) throw new ManifestError(store.at('s3Credentials'), 'set for an Azure destinationPath');
    if (azure === undefined) throw new ManifestError(store.at('azureCredentials'), 'required for an Azure destinationPath');
    result.azure = azureCredentials(azure);
  }
  const wal = store.child('wal');
  if (wal !== undefined) {
    wal.onlyKeys(new Set(['compression', 'encryption', 'maxParallel', 'archiveAdditionalCommandArgs', 'restoreAdditionalCommandArgs']));
    refuseArgs(wal, 'archiveAdditionalCommandArgs');
    refuseArgs(wal, 'restoreAdditionalCommandArgs');
    const compression = compressionOf(wal);
    if (compression !== undefined) result.wal.compression = compression;
    const encryption = wal.oneOf('encryption', ENCRYPTIONS);
    if (encryption !== undefined) result.wal.encryption = encryption;
    result.wal.maxParallel = wal.int('maxParallel', 1, 64) ?? 1;
  }
  const data = store.child('data');
  if (data !== undefined) {
    data.onlyKeys(new Set(['compression', 'encryption', 'immediateCheckpoint', 'jobs', 'additionalCommandArgs']));
    // Appended to barman-cloud-backup's options as CNPG does (barman/barman-argv.ts).
    const args = data.stringList('additionalCommandArgs', (arg, at) => {
      checkSingleLine(arg, at);
      if (!arg.startsWith('-')) throw new ManifestError(at, `must be an option (starting with "-"), got ${JSON.stringify(arg)}`);
    });
    if (args !== undefined && args.length > 0) result.data.additionalCommandArgs = args;
    const compression = compressionOf(data);
    if (compression !== undefined) result.data.compression = compression;
    const encryption = data.oneOf('encryption', ENCRYPTIONS);
    if (encryption !== undefined) result.data.encryption = encryption;
    result.data.immediateCheckpoint = data.bool('immediateCheckpoint') ?? false;
    const jobs = data.int('jobs', 1);
    if (jobs !== undefined) result.data.jobs = jobs;
  }
  if (provider === 'azure' && (result.wal.encryption !== undefined || result.data.encryption !== undefined)) {
    throw new ManifestError(store.at('wal.encryption'), 'server-side encryption options apply to S3 only');
  }
  return result;
}

function providerOf(path: string, at: string): ObjectStoreProvider {
  if (/^s3:\/\/[^/]+/.test(path)) return 's3';
  if (/^gs:\/\//.test(path)) throw new ManifestError(at, 'not supported yet (Google Cloud Storage)');
  // barman-cloud: Azure is any http(s) URL of the form <host>/<container>[/<path>] (blob.core.windows.net or an emulator).
  if (/^https?:\/\/[^/]+\/[^/]+/.test(path)) return 'azure';
  throw new ManifestError(at, `must be s3://BUCKET[/PATH] or an Azure Blob URL https://ACCOUNT.blob.core.windows.net/CONTAINER[/PATH], got ${JSON.stringify(path)}`);
}

function compressionOf(f: Fields): 'gzip' | 'bzip2' | undefined {
  const value = f.string('compression');
  if (value !== undefined && UNBUILT_COMPRESSIONS.has(value)) {
    throw new ManifestError(f.at('compression'), `"${value}" is not supported: the barman-cloud 3.4 tools that must read the archive cannot (use gzip or bzip2)`);
  }
  return f.oneOf('compression', COMPRESSIONS);
}

// WAL is archived and restored by the manager's in-process S3/Azure client (src/wal/), not by
// barman-cloud-wal-archive/-restore: there is no command line to append these to.
function refuseArgs(f: Fields, key: string): void {
  const list = f.stringList(key);
  if (list !== undefined && list.length > 0) throw new ManifestError(f.at(key), 'not supported: WAL is archived and restored by the instance manager\'s in-process client, which takes no barman-cloud arguments');
}

function keyRef(f: Fields, key: string): SecretKeyRef | undefined {
  const ref = f.child(key);
  if (ref === undefined) return undefined;
  ref.onlyKeys(new Set(['name', 'key']));
  const result = { name: ref.requiredString('name'), key: ref.requiredString('key') };
  checkObjectName(result.name, ref.at('name'));
  checkDataKey(result.key, ref.at('key'));
  return result;
}

function stringMap(f: Fields, key: string): Record<string, string> {
  const map = f.child(key);
  const out: Record<string, string> = {};
  for (const [k, v] of map?.entries() ?? []) {
    if (typeof v !== 'string') throw new ManifestError(map?.at(k) ?? key, 'must be a string');
    out[k] = v; // eslint-disable-line security/detect-object-injection -- a copy of a parsed mapping
  }
  return out;
}

function s3Credentials(s3: Fields): S3Credentials {
  s3.onlyKeys(new Set(['accessKeyId', 'secretAccessKey', 'sessionToken', 'region', 'inheritFromIAMRole']));
  const inheritFromIAMRole = s3.bool('inheritFromIAMRole') ?? false;
  const result: S3Credentials = { inheritFromIAMRole };
  for (const k of ['accessKeyId', 'secretAccessKey', 'sessionToken', 'region'] as const) {
    const ref = keyRef(s3, k);
    if (ref !== undefined) result[k] = ref; // eslint-disable-line security/detect-object-injection -- literal keys
  }
  if (!inheritFromIAMRole && (result.accessKeyId === undefined || result.secretAccessKey === undefined)) {
    throw new ManifestError(s3.path, 'needs accessKeyId and secretAccessKey, or inheritFromIAMRole: true');
  }
  return result;
}

function azureCredentials(az: Fields): AzureCredentials {
  az.onlyKeys(new Set(['storageAccount', 'storageKey', 'storageSasToken', 'connectionString', 'inheritFromAzureAD', 'useDefaultAzureCredentials']));
  az.refuse('useDefaultAzureCredentials', 'Azure default credentials');
  const result: AzureCredentials = { inheritFromAzureAD: az.bool('inheritFromAzureAD') ?? false };
  for (const k of ['storageAccount', 'storageKey', 'storageSasToken', 'connectionString'] as const) {
    const ref = keyRef(az, k);
    if (ref !== undefined) result[k] = ref; // eslint-disable-line security/detect-object-injection -- literal keys
  }
  if (result.connectionString === undefined && result.storageAccount === undefined && !result.inheritFromAzureAD) {
    throw new ManifestError(az.path, 'needs connectionString, or storageAccount with storageKey or storageSasToken, or inheritFromAzureAD: true');
  }
  return result;
}
