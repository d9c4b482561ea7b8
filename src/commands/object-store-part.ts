// The embedded default's object store as a part of `instance run`: when the Cluster carries the annotation
// below, s3rver is started on the port of spec.backup.barmanObjectStore.endpointURL (127.0.0.1 only), with
// its data under the state folder and its access key generated into the secrets folder like the other
// Secrets (never logged). Without the annotation, destinationPath/endpointURL name any real S3, MinIO or
// Azure store and nothing else changes.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { EXIT } from '../config/constants.js';
import { ManagerError } from '../errors.js';
import { child } from '../log/logger.js';
import { FileSpecSource } from '../source/file-source.js';
import { runEmbeddedStore } from '../supervisor/object-store.js';
import type { Cluster } from '../spec/cluster.js';
import type { Part } from './part-group.js';
import type { Prepared } from './prepare.js';

/** The annotation that asks for the embedded object store. */
export const EMBEDDED_STORE_ANNOTATION = 'pg-instance-manager/embedded-object-store';

/** True when the Cluster asks for the embedded store (and the source is the embedded default's files). */
export function wantsEmbeddedStore(p: Prepared): boolean {
  const annotations = ((p.cluster.raw.metadata as { annotations?: Record<string, unknown> } | undefined)?.annotations ?? {});
  return p.source instanceof FileSpecSource && Object.entries(annotations).some(([k, v]) => k === EMBEDDED_STORE_ANNOTATION && v === 'enabled');
}

function placeOf(cluster: Cluster): { port: number; bucket: string } {
  const s = cluster.spec.backup?.barmanObjectStore;
  const endpoint = /^http:\/\/127\.0\.0\.1:(\d+)\/?$/.exec(s?.endpointURL ?? '');
  const bucket = /^s3:\/\/([^/]+)/.exec(s?.destinationPath ?? '')?.[1];
  if (!endpoint || !bucket) {
    throw new ManagerError('INVALID_MANIFEST', `${EMBEDDED_STORE_ANNOTATION}: spec.backup.barmanObjectStore needs endpointURL http://127.0.0.1:PORT and destinationPath s3://BUCKET/...`);
  }
  return { port: Number(endpoint[1]), bucket };
}

// The access key pair: read from the Secret s3Credentials names, created there (random) when it does not exist.
async function accessKeys(p: Prepared, source: FileSpecSource): Promise<{ id: string; secret: string }> {
  const s3 = p.cluster.spec.backup?.barmanObjectStore?.s3;
  const idRef = s3?.accessKeyId;
  const secretRef = s3?.secretAccessKey;
  if (!idRef || !secretRef || idRef.name !== secretRef.name) {
    throw new ManagerError('INVALID_MANIFEST', `${EMBEDDED_STORE_ANNOTATION}: s3Credentials.accessKeyId and secretAccessKey must name keys of one Secret`);
  }
  if (!(await source.getSecret(idRef.name))) {
    await source.createSecret(idRef.name, { [idRef.key]: Buffer.from(randomBytes(12).toString('hex')), [secretRef.key]: Buffer.from(randomBytes(24).toString('base64url')) });
    child(p.root, 'provision').info({ secretName: idRef.name }, 'object store credentials generated');
  }
  const secret = await source.getSecret(idRef.name);
  const id = secret?.data[idRef.key]?.toString('utf8');
  const key = secret?.data[secretRef.key]?.toString('utf8');
  if (!id || !key) throw new ManagerError('INVALID_SECRET', `Secret "${idRef.name}" lacks ${idRef.key} or ${secretRef.key}`);
  return { id, secret: key };
}

/** The embedded s3rver; ready once it listens. Stops after postgres and the WAL channel (the last archiving). */
export function objectStorePart(p: Prepared): Part {
  return {
    name: 'object-store',
    stopOrder: 3,
    exitCode: EXIT.parts.backups,
    async start(signal, ready) {
      const source = p.source as FileSpecSource;
      const { port, bucket } = placeOf(p.cluster);
      const keys = await accessKeys(p, source);
      const directory = join(p.config.stateDir ?? p.config.controller.root, 'objectstore');
      await runEmbeddedStore({ port, directory, bucket, accessKeyId: keys.id, secretAccessKey: keys.secret, registry: p.registry, log: child(p.root, 'object-store') }, signal, ready);
    },
  };
}
