import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkWalArchiveArgs, restoreArgs, walRestoreArgs } from '../../../src/barman/barman-argv.js';
import type { ObjectStore } from '../../../src/barman/object-store.js';

function store(over: Partial<ObjectStore>): ObjectStore {
  return { destinationPath: 's3://b/p', serverName: 'pg', cloudProvider: 'aws-s3', credentials: {}, data: { immediateCheckpoint: false }, wal: { maxParallel: 1 }, ...over };
}

test('cloud options: endpoint, provider, and for inheritFromAzureAD barman\'s managed identity (as CNPG passes it)', () => {
  assert.deepEqual(checkWalArchiveArgs(store({ endpointURL: 'http://127.0.0.1:9000' })), ['--endpoint-url', 'http://127.0.0.1:9000', '--cloud-provider', 'aws-s3', 's3://b/p', 'pg']);
  const azure = store({ destinationPath: 'https://a.blob.core.windows.net/c/p', cloudProvider: 'azure-blob-storage' });
  assert.deepEqual(walRestoreArgs(azure, '%f', '%p'), ['--cloud-provider', 'azure-blob-storage', 'https://a.blob.core.windows.net/c/p', 'pg', '%f', '%p']);
  assert.deepEqual(walRestoreArgs({ ...azure, azureManagedIdentity: true }, '%f', '%p'), ['--cloud-provider', 'azure-blob-storage', '--credential', 'managed-identity', 'https://a.blob.core.windows.net/c/p', 'pg', '%f', '%p']);
});

test('restore: each tablespace relocated with --tablespace NAME:LOCATION, before the positional arguments', () => {
  assert.deepEqual(restoreArgs(store({}), 'B1', '/d', [{ name: 'a', location: '/t/a/.data.initdb-x' }]), ['--cloud-provider', 'aws-s3', '--tablespace', 'a:/t/a/.data.initdb-x', 's3://b/p', 'pg', 'B1', '/d']);
  assert.deepEqual(restoreArgs(store({}), 'B1', '/d'), ['--cloud-provider', 'aws-s3', 's3://b/p', 'pg', 'B1', '/d']);
});
