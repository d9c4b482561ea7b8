// The in-process S3 client of the long-lived uploader (@aws-sdk/client-s3, loaded on first use so a manager
// without an object store never loads it). Path-style addressing when endpointURL is set (MinIO, s3rver and
// other S3-compatible servers), as boto3 does for a custom endpoint without a DNS bucket name.
import { Agent } from 'node:https';
import { CONNECTIVITY_CODES as CONNECTIVITY, StoreError, type ObjectStore } from './store-client.js';
import type { StoreSettings } from './store-settings.js';

function classify(err: unknown, what: string, bucket: string): StoreError {
  const e = err as { name?: string; code?: string; Code?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const name = e.name ?? e.Code ?? e.code ?? 'Error';
  const status = e.$metadata?.httpStatusCode;
  if (name === 'NoSuchKey' || name === 'NotFound') return new StoreError('not-found', `${what}: not found`, { cause: err });
  if (name === 'NoSuchBucket') return new StoreError('other', `${what}: the bucket ${bucket} does not exist`, { cause: err });
  if (name === 'InvalidAccessKeyId' || name === 'SignatureDoesNotMatch' || name === 'AccessDenied' || status === 403) {
    return new StoreError('other', `${what}: access denied by the object store (${name}): check the credentials`, { cause: err });
  }
  if (CONNECTIVITY.has(name) || CONNECTIVITY.has(e.code ?? '')) return new StoreError('connectivity', `${what}: object store unreachable (${e.code ?? name})`, { cause: err });
  return new StoreError('other', `${what}: ${name}${status ? ` (HTTP ${status})` : ''}: ${e.message ?? ''}`.trim(), { cause: err });
}

/** Builds an S3 store from resolved settings. */
export async function createS3Store(s: StoreSettings): Promise<ObjectStore> {
  // A CommonJS package: bundled, its exports may sit under `default`.
  const loaded = await import('@aws-sdk/client-s3');
  const sdk = (typeof loaded.S3Client === 'function' ? loaded : (loaded as unknown as { default: typeof loaded }).default);
  const { S3Client, PutObjectCommand, GetObjectCommand, ListObjectsV2Command } = sdk;
  const env = s.env;
  const client = new S3Client({
    region: env.AWS_DEFAULT_REGION ?? process.env.AWS_DEFAULT_REGION ?? process.env.AWS_REGION ?? 'us-east-1',
    ...(s.store.endpointURL ? { endpoint: s.store.endpointURL, forcePathStyle: true } : {}),
    ...(env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
      ? { credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY, ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}) } }
      : {}),
    // Two tries, then PostgreSQL's own archiver retries: an outage fails fast instead of holding the archiver.
    maxAttempts: 2,
    requestHandler: { connectionTimeout: 5000, requestTimeout: 60_000, ...(s.ca ? { httpsAgent: new Agent({ ca: s.ca, keepAlive: true }) } : {}) },
  });
  return {
    async put(key, body, opts = {}) {
      try {
        await client.send(new PutObjectCommand({ Bucket: s.bucket, Key: key, Body: body, ...(opts.encryption ? { ServerSideEncryption: opts.encryption as 'AES256' } : {}) }));
      } catch (err) {
        throw classify(err, `uploading s3://${s.bucket}/${key}`, s.bucket);
      }
    },
    async get(key) {
      try {
        const r = await client.send(new GetObjectCommand({ Bucket: s.bucket, Key: key }));
        if (!r.Body) throw new StoreError('other', `downloading s3://${s.bucket}/${key}: empty response`);
        return Buffer.from(await r.Body.transformToByteArray());
      } catch (err) {
        if (err instanceof StoreError) throw err;
        throw classify(err, `downloading s3://${s.bucket}/${key}`, s.bucket);
      }
    },
    async listFolders(prefix) {
      const names: string[] = [];
      try {
        let token: string | undefined;
        do {
          const r = await client.send(new ListObjectsV2Command({ Bucket: s.bucket, Prefix: prefix, Delimiter: '/', ...(token ? { ContinuationToken: token } : {}) }));
          for (const p of r.CommonPrefixes ?? []) if (p.Prefix?.startsWith(prefix)) names.push(p.Prefix.slice(prefix.length).replace(/\/$/, ''));
          token = r.IsTruncated ? r.NextContinuationToken : undefined;
        } while (token);
      } catch (err) {
        throw classify(err, `listing s3://${s.bucket}/${prefix}`, s.bucket);
      }
      return names;
    },
    close() {
      client.destroy();
    },
  };
}
