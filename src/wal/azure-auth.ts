// How barman-cloud 3.4 reaches an Azure container (barman/cloud_providers/azure_blob_storage.py,
// AzureCloudInterface.__init__ and _reinit_session), as a pure decision the in-process client follows, so
// the objects it writes are the ones barman-cloud-* read:
// - a destinationPath on *.blob.core.windows.net names the account in its host; any other host is an emulator
//   (Azurite) whose first path segment is the account, and then a connection string is required;
// - AZURE_STORAGE_CONNECTION_STRING wins over everything; then a SAS token; then the account key;
// - with none of them barman uses DefaultAzureCredential (azure-identity; CNPG inheritFromAzureAD), which the
//   in-process client does not build: that store stays with barman's own tools.
// barman ignores --endpoint-url for Azure (cloud_providers/__init__.py passes it to S3 only), and so does this.

/** The Azure public cloud's blob domain, as barman tests it (`netloc.endswith(AZURE_BLOB_STORAGE_DOMAIN)`). */
export const AZURE_BLOB_DOMAIN = 'blob.core.windows.net';

export type AzureAuthPlan =
  | { kind: 'connection-string'; connectionString: string; container: string }
  | { kind: 'shared-key'; containerUrl: string; account: string; key: string }
  | { kind: 'sas'; containerUrl: string }
  /** DefaultAzureCredential: left to barman-cloud's tools (Python azure-identity). */
  | { kind: 'default' };

/** True when `destinationPath` is on Azure's own domain (else an emulator URL with the account in its path). */
export function isAzurePublicHost(destinationPath: string): boolean {
  return new URL(destinationPath).host.endsWith(AZURE_BLOB_DOMAIN);
}

/** How to reach `container` of `destinationPath` with barman's credential variables `env`; throws as barman does for an emulator without a connection string. */
export function azureAuthPlan(destinationPath: string, container: string, env: Readonly<Record<string, string | undefined>>): AzureAuthPlan {
  const url = new URL(destinationPath);
  const connectionString = env.AZURE_STORAGE_CONNECTION_STRING;
  if (!isAzurePublicHost(destinationPath)) {
    if (!connectionString) {
      throw new Error(`${destinationPath} is not on ${AZURE_BLOB_DOMAIN}, so it is an emulator URL, and barman-cloud needs azureCredentials.connectionString for one`);
    }
    return { kind: 'connection-string', connectionString, container };
  }
  if (connectionString) return { kind: 'connection-string', connectionString, container };
  // barman hands the bare host to ContainerClient, which makes it https://.
  const containerUrl = `https://${url.host}/${encodeURIComponent(container)}`;
  const sas = env.AZURE_STORAGE_SAS_TOKEN;
  if (sas) return { kind: 'sas', containerUrl: `${containerUrl}?${sas.replace(/^\?/, '')}` };
  const key = env.AZURE_STORAGE_KEY;
  // The Python SDK takes the account name from the host's first label; AZURE_STORAGE_ACCOUNT names the same account.
  if (key) return { kind: 'shared-key', containerUrl, account: env.AZURE_STORAGE_ACCOUNT ?? url.host.split('.')[0] ?? '', key };
  return { kind: 'default' };
}
