// The in-process Azure Blob client of the long-lived uploader (@azure/storage-blob, loaded on first use so a
// manager without an Azure store never loads it), the twin of s3-store.ts behind the same ObjectStore: block
// blobs at barman-cloud's keys, in the container barman picks (azure-auth.ts), written whole with one Put Blob
// (barman's upload_blob with overwrite=True; a 16 MB segment is under the SDK's single-shot limit), so
// barman-cloud-wal-restore and -backup-list read them.
import type { Readable } from 'node:stream';
import { azureAuthPlan } from './azure-auth.js';
import { CONNECTIVITY_CODES, StoreError, type ObjectStore } from './store-client.js';
import type { StoreSettings } from './store-settings.js';

// Azure's error codes (https://learn.microsoft.com/rest/api/storageservices/blob-service-error-codes).
const ACCESS_DENIED = new Set(['AuthenticationFailed', 'AuthorizationFailure', 'AuthorizationPermissionMismatch', 'InvalidAuthenticationInfo', 'NoAuthenticationInformation']);

/** Maps an @azure/storage-blob error to a StoreError naming what failed (exported for its unit test). */
export function classifyAzureError(err: unknown, what: string, container: string): StoreError {
  const e = err as { name?: string; code?: string; statusCode?: number; message?: string; cause?: { code?: string } };
  const code = e.code ?? '';
  const status = e.statusCode;
  if (code === 'ContainerNotFound') return new StoreError('other', `${what}: the container ${container} does not exist`, { cause: err });
  if (code === 'BlobNotFound' || (status === 404 && code === '')) return new StoreError('not-found', `${what}: not found`, { cause: err });
  if (ACCESS_DENIED.has(code) || status === 403) {
    return new StoreError('other', `${what}: access denied by Azure Blob Storage (${code || 'HTTP 403'}): check the azureCredentials Secret`, { cause: err });
  }
  const net = [code, e.cause?.code ?? '', e.name ?? ''].find((c) => CONNECTIVITY_CODES.has(c));
  if (net !== undefined || code === 'REQUEST_SEND_ERROR') return new StoreError('connectivity', `${what}: object store unreachable (${net ?? code})`, { cause: err });
  return new StoreError('other', `${what}: ${code || e.name || 'Error'}${status ? ` (HTTP ${status})` : ''}: ${firstLine(e.message)}`.trim(), { cause: err });
}

// Azure's messages carry a RequestId and time on the next lines: the first line says what went wrong.
function firstLine(message: string | undefined): string {
  return (message ?? '').split('\n')[0]?.trim() ?? '';
}

async function readAll(stream: Readable | NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks);
}

/** Builds an Azure Blob store from resolved settings; undefined for an Azure AD identity (barman's tools authenticate with it). */
export async function createAzureStore(s: StoreSettings): Promise<ObjectStore | undefined> {
  // inheritFromAzureAD: barman runs with --credential managed-identity, ahead of any key (cloud_providers/__init__.py).
  if (s.store.azure?.inheritFromAzureAD) return undefined;
  const plan = azureAuthPlan(s.store.destinationPath, s.bucket, s.env);
  if (plan.kind === 'default') return undefined;
  const { ContainerClient, StorageSharedKeyCredential } = await import('@azure/storage-blob');
  // Two tries, then PostgreSQL's own archiver retries: an outage fails fast instead of holding the archiver.
  // endpointCA: core-rest-pipeline's tlsOptions (createPipelineFromOptions adds its tlsPolicy; the Node HTTP
  // client builds an https.Agent with them, for https:// only). StoragePipelineOptions does not declare the
  // field, which the pipeline passes through whole (storage-blob Pipeline.ts getCoreClientOptions).
  const options = {
    retryOptions: { maxTries: 2, tryTimeoutInMs: 60_000, retryDelayInMs: 500, maxRetryDelayInMs: 2000 },
    ...(s.ca ? { tlsOptions: { ca: s.ca } } : {}),
  };
  const client =
    plan.kind === 'connection-string'
      ? new ContainerClient(plan.connectionString, plan.container, options)
      : plan.kind === 'sas'
        ? new ContainerClient(plan.containerUrl, undefined, options)
        : new ContainerClient(plan.containerUrl, new StorageSharedKeyCredential(plan.account, plan.key), options);
  const where = (key: string): string => `blob ${key} of container ${s.bucket}`;
  return {
    async put(key, body) {
      try {
        await client.getBlockBlobClient(key).uploadData(body);
      } catch (err) {
        throw classifyAzureError(err, `uploading ${where(key)}`, s.bucket);
      }
    },
    async get(key) {
      try {
        const r = await client.getBlobClient(key).download(0, undefined, { maxRetryRequests: 2 });
        if (!r.readableStreamBody) throw new StoreError('other', `downloading ${where(key)}: empty response`);
        return await readAll(r.readableStreamBody);
      } catch (err) {
        if (err instanceof StoreError) throw err;
        throw classifyAzureError(err, `downloading ${where(key)}`, s.bucket);
      }
    },
    async listFolders(prefix) {
      const names: string[] = [];
      try {
        for await (const item of client.listBlobsByHierarchy('/', { prefix })) {
          if (item.kind === 'prefix' && item.name.startsWith(prefix)) names.push(item.name.slice(prefix.length).replace(/\/$/, ''));
        }
      } catch (err) {
        throw classifyAzureError(err, `listing ${prefix} in container ${s.bucket}`, s.bucket);
      }
      return names;
    },
    close() {
      // The SDK keeps no sockets beyond Node's keep-alive agent; nothing to release.
    },
  };
}
