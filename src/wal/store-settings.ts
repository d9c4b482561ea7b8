// spec.backup.barmanObjectStore + its Secrets -> what the uploader and barman-cloud need: bucket, prefix,
// server name, credentials as barman's environment (barman-cloud pkg/credentials/env.go names), and the argv
// tail barman-cloud takes (pkg/archiver/command.go: --endpoint-url, --cloud-provider, <dest> <server>). The
// credentials stay in this process: they reach a child only through its environment, never argv or a file.
import { ManagerError } from '../errors.js';
import { isAzurePublicHost } from './azure-auth.js';
import type { Cluster, SecretKeyRef } from '../spec/cluster.js';
import type { BarmanObjectStore } from '../spec/validate-backup.js';
import type { SpecSource } from '../source/spec-source.js';

export interface StoreSettings {
  store: BarmanObjectStore;
  serverName: string;
  /** S3: the bucket; Azure: the container. */
  bucket: string;
  /** The path below the bucket ("" for the bucket root), without slashes at either end. */
  prefix: string;
  /** Environment for barman-cloud-* (AWS_* / AZURE_STORAGE_*), also what the S3 client is built from. */
  env: Record<string, string>;
  /** PEM of endpointCA, when set. */
  ca?: Buffer;
  /** barman-cloud options before `<destinationPath> <serverName>`. */
  barmanOptions: string[];
}

/** Splits a destinationPath into bucket (container) and prefix. */
export function splitDestination(store: BarmanObjectStore): { bucket: string; prefix: string } {
  const rest = store.provider === 's3' ? store.destinationPath.slice('s3://'.length) : new URL(store.destinationPath).pathname.slice(1);
  // Azure emulators put the account first in the path (http://127.0.0.1:10000/devstoreaccount1/container/...);
  // barman tells them apart by the host (azure-auth.ts).
  const parts = rest.split('/').filter((p) => p !== '');
  const skip = store.provider === 'azure' && !isAzurePublicHost(store.destinationPath) ? 1 : 0;
  return { bucket: parts.at(skip) ?? '', prefix: parts.slice(skip + 1).join('/') };
}

async function secretValue(source: SpecSource, ref: SecretKeyRef, field: string): Promise<string> {
  const secret = await source.getSecret(ref.name);
  const value = secret?.data[ref.key];
  if (value === undefined) throw new ManagerError('WAL_ARCHIVE', `${field}: Secret ${ref.name} has no key ${ref.key}${secret ? '' : ' (the Secret does not exist)'}`);
  const text = value.toString('utf8');
  // CNPG #1985: a NUL byte in a credential broke barman silently; here it is refused, naming the field.
  if (text.includes('\0')) throw new ManagerError('WAL_ARCHIVE', `${field}: Secret ${ref.name} key ${ref.key} contains a NUL byte`);
  return text.trim();
}

/** Resolves the store of `cluster` (undefined when none is set); throws naming the Secret that is missing. */
export async function storeSettings(cluster: Cluster, source: SpecSource): Promise<StoreSettings | undefined> {
  const store = cluster.spec.backup?.barmanObjectStore;
  if (store === undefined) return undefined;
  const at = 'spec.backup.barmanObjectStore';
  const env: Record<string, string> = {};
  const put = async (name: string, ref: SecretKeyRef | undefined, field: string): Promise<void> => {
    if (ref !== undefined) env[name] = await secretValue(source, ref, `${at}.${field}`); // eslint-disable-line security/detect-object-injection -- fixed variable names
  };
  if (store.s3) {
    await put('AWS_ACCESS_KEY_ID', store.s3.accessKeyId, 's3Credentials.accessKeyId');
    await put('AWS_SECRET_ACCESS_KEY', store.s3.secretAccessKey, 's3Credentials.secretAccessKey');
    await put('AWS_SESSION_TOKEN', store.s3.sessionToken, 's3Credentials.sessionToken');
    await put('AWS_DEFAULT_REGION', store.s3.region, 's3Credentials.region');
  }
  if (store.azure) {
    await put('AZURE_STORAGE_ACCOUNT', store.azure.storageAccount, 'azureCredentials.storageAccount');
    await put('AZURE_STORAGE_KEY', store.azure.storageKey, 'azureCredentials.storageKey');
    await put('AZURE_STORAGE_SAS_TOKEN', store.azure.storageSasToken, 'azureCredentials.storageSasToken');
    await put('AZURE_STORAGE_CONNECTION_STRING', store.azure.connectionString, 'azureCredentials.connectionString');
  }
  const settings: StoreSettings = {
    store,
    serverName: store.serverName ?? cluster.name,
    ...splitDestination(store),
    env,
    barmanOptions: [
      ...(store.endpointURL ? ['--endpoint-url', store.endpointURL] : []),
      '--cloud-provider', store.provider === 's3' ? 'aws-s3' : 'azure-blob-storage',
      // CNPG: inheritFromAzureAD runs barman with the pod's managed identity.
      ...(store.azure?.inheritFromAzureAD ? ['--credential', 'managed-identity'] : []),
    ],
  };
  if (store.endpointCA) settings.ca = Buffer.from(await secretValue(source, store.endpointCA, `${at}.endpointCA`));
  return settings;
}
