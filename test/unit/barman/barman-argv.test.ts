import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendAdditionalArgs, backupArgs, checkWalArchiveArgs, restoreArgs, walRestoreArgs } from '../../../src/barman/barman-argv.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ManifestError } from '../../../src/errors.js';
import { parseClusterManifest } from '../../../src/spec/load-manifest.js';
import { clusterObjectStore } from '../../../src/barman/object-store.js';
import { repoRoot } from '../spec/repo-paths.js';
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

test('data.additionalCommandArgs: appended after the data options, minus those repeating an option already set (barman-cloud appendAdditionalCommandArgs)', () => {
  assert.deepEqual(appendAdditionalArgs(['--jobs', '2', '--gzip'], ['--jobs=4', '--gzip', '=x', '-vv', '--read-timeout=60']), ['--jobs', '2', '--gzip', '-vv', '--read-timeout=60']);
  const sample = readFileSync(join(repoRoot(), 'test', 'fixtures', 'cnpg-samples', 'cluster-example-with-backup.yaml'), 'utf8');
  const cluster = parseClusterManifest(sample, 'cluster-example-with-backup.yaml', { namespace: 'default' });
  const s = clusterObjectStore(cluster);
  assert.ok(s);
  assert.deepEqual(backupArgs(s, 'b1', { host: '/run', port: 5432 }), [
    '--user', 'postgres', '--name', 'b1', '--min-chunk-size=5MB', '--read-timeout=60', '-vv',
    '--host', '/run', '--port', '5432', '--endpoint-url', 'http://minio:9000', '--cloud-provider', 'aws-s3', 's3://backups/', 'cluster-example-with-backup',
  ]);
  const walArgs = sample.replace('        compression: gzip', '        compression: gzip\n        archiveAdditionalCommandArgs: ["--read-timeout=60"]');
  assert.throws(() => parseClusterManifest(walArgs, 'x.yaml', { namespace: 'default' }),
    (err: unknown) => err instanceof ManifestError && err.path === 'spec.backup.barmanObjectStore.wal.archiveAdditionalCommandArgs' && /in-process client/.test(err.message));
});

test('restore: each tablespace relocated with --tablespace NAME:LOCATION, before the positional arguments', () => {
  assert.deepEqual(restoreArgs(store({}), 'B1', '/d', [{ name: 'a', location: '/t/a/.data.initdb-x' }]), ['--cloud-provider', 'aws-s3', '--tablespace', 'a:/t/a/.data.initdb-x', 's3://b/p', 'pg', 'B1', '/d']);
  assert.deepEqual(restoreArgs(store({}), 'B1', '/d'), ['--cloud-provider', 'aws-s3', 's3://b/p', 'pg', 'B1', '/d']);
});
