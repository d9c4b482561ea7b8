// endpointCA for the barman-cloud tools: the variable per provider, the 0600 file named by content, and
// credentialEnv adding it (with a clear error for a missing Secret key).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { caBundleEnv, caBundleVariable, writeCaBundle } from '../../../src/barman/endpoint-ca.js';
import { credentialEnv } from '../../../src/barman/barman-run.js';
import type { ObjectStore } from '../../../src/barman/object-store.js';
import type { SecretObject } from '../../../src/model/objects.js';

const PEM = Buffer.from('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');

test('S3 tools read AWS_CA_BUNDLE, Azure ones REQUESTS_CA_BUNDLE', () => {
  assert.equal(caBundleVariable('aws-s3'), 'AWS_CA_BUNDLE');
  assert.equal(caBundleVariable('azure-blob-storage'), 'REQUESTS_CA_BUNDLE');
  assert.equal(caBundleVariable('azure'), 'REQUESTS_CA_BUNDLE');
});

test('the CA file is 0600, named by its content, and written once', async () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'pgim-ca-')), 'run');
  const path = await writeCaBundle(PEM, dir);
  assert.match(path, /endpoint-ca-[0-9a-f]{16}\.crt$/);
  assert.equal(statSync(path).mode & 0o777, 0o600);
  assert.ok(readFileSync(path).equals(PEM));
  const mtime = statSync(path).mtimeMs;
  assert.equal(await writeCaBundle(PEM, dir), path);
  assert.equal(statSync(path).mtimeMs, mtime, 'the same PEM is not rewritten');
  const other = await writeCaBundle(Buffer.concat([PEM, PEM]), dir);
  assert.notEqual(other, path, 'another CA gets another file');
  assert.deepEqual(await caBundleEnv(undefined, 'aws-s3', dir), {});
  await assert.rejects(writeCaBundle(Buffer.from('not a certificate'), dir), /holds no PEM certificate/);
});

test('credentialEnv adds the CA variable of the store with endpointCA', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pgim-ca-'));
  const secrets: Record<string, SecretObject> = {
    keys: { name: 'keys', data: { id: Buffer.from('AK'), secret: Buffer.from('SK') }, resourceVersion: '1', annotations: {} },
    ca: { name: 'ca', data: { 'ca.crt': PEM }, resourceVersion: '1', annotations: {} },
  };
  const getSecret = (name: string): Promise<SecretObject | undefined> => Promise.resolve(secrets[name]); // eslint-disable-line security/detect-object-injection -- test map
  const store: ObjectStore = {
    destinationPath: 's3://b/p',
    serverName: 's',
    cloudProvider: 'aws-s3',
    credentials: { AWS_ACCESS_KEY_ID: { name: 'keys', key: 'id' }, AWS_SECRET_ACCESS_KEY: { name: 'keys', key: 'secret' } },
    endpointCA: { name: 'ca', key: 'ca.crt' },
    data: { immediateCheckpoint: false },
    wal: { maxParallel: 1 },
  };
  const env = await credentialEnv(store, getSecret, dir);
  assert.equal(env.AWS_ACCESS_KEY_ID, 'AK');
  assert.ok(readFileSync(env.AWS_CA_BUNDLE ?? '').equals(PEM));
  assert.equal(env.REQUESTS_CA_BUNDLE, undefined);
  const azure = await credentialEnv({ ...store, cloudProvider: 'azure-blob-storage', credentials: {} }, getSecret, dir);
  assert.equal(azure.REQUESTS_CA_BUNDLE, env.AWS_CA_BUNDLE);
  await assert.rejects(credentialEnv({ ...store, endpointCA: { name: 'ca', key: 'missing' } }, getSecret, dir), /endpointCA: Secret "ca" has no key "missing"/);
});
