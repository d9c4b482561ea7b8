// spec.bootstrap.recovery.backup.name: the Backup object's status says where the backup is and which Secrets
// read it (CNPG copies them there); an older Backup without them falls back to the cluster's own store's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clusterFromObject } from '../../../src/spec/load-manifest.js';
import { findRecoveryBackup } from '../../../src/bootstrap/recovery-source.js';
import { createChildRegistry } from '../../../src/supervisor/child-registry.js';

const ownStore = { destinationPath: 's3://own/new', serverName: 'new', s3Credentials: { accessKeyId: { name: 'own', key: 'id' }, secretAccessKey: { name: 'own', key: 'key' } } };
const cluster = clusterFromObject(
  { apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', metadata: { name: 'new' }, spec: { instances: 1, bootstrap: { recovery: { backup: { name: 'b1' } } }, backup: { barmanObjectStore: ownStore } } },
  { namespace: 'ns' },
);
const completed = { phase: 'completed', backupId: '20261207T080000', destinationPath: 's3://old/path', serverName: 'old', endpointURL: 'https://store:9000', stoppedAt: '2026-12-07T08:00:05Z' };

function find(backup: Record<string, unknown> | undefined): ReturnType<typeof findRecoveryBackup> {
  const recovery = cluster.spec.bootstrap.recovery ?? {};
  return findRecoveryBackup(cluster, recovery, { getSecret: () => Promise.resolve(undefined), readBackup: () => Promise.resolve(backup), registry: createChildRegistry(), signal: new AbortController().signal, caDir: '/nonexistent' });
}

test('the place, the backup ID and the Secrets come from the Backup status', async () => {
  const found = await find({ status: { ...completed, s3Credentials: { accessKeyId: { name: 'old-s3', key: 'ID' }, secretAccessKey: { name: 'old-s3', key: 'SECRET' } }, endpointCA: { name: 'old-ca', key: 'ca.crt' } } });
  assert.equal(found.backupId, '20261207T080000');
  assert.equal(found.store.destinationPath, 's3://old/path');
  assert.equal(found.store.serverName, 'old');
  assert.equal(found.store.endpointURL, 'https://store:9000');
  assert.deepEqual(found.store.credentials, { AWS_ACCESS_KEY_ID: { name: 'old-s3', key: 'ID' }, AWS_SECRET_ACCESS_KEY: { name: 'old-s3', key: 'SECRET' } });
  assert.deepEqual(found.store.endpointCA, { name: 'old-ca', key: 'ca.crt' });
  assert.equal(found.endTime, '2026-12-07T08:00:05Z');
});

test('a Backup status without Secret references reads with the own store\'s credentials', async () => {
  const found = await find({ status: completed });
  assert.deepEqual(found.store.credentials, { AWS_ACCESS_KEY_ID: { name: 'own', key: 'id' }, AWS_SECRET_ACCESS_KEY: { name: 'own', key: 'key' } });
  assert.equal(found.store.destinationPath, 's3://old/path');
});

test('a missing or unfinished Backup is refused naming it', async () => {
  await assert.rejects(find(undefined), /Backup "b1" does not exist/);
  await assert.rejects(find({ status: { ...completed, phase: 'running' } }), /Backup "b1" is not a completed backup \(phase running\)/);
});

test('a volumeSnapshot Backup is refused naming spec.bootstrap.recovery.volumeSnapshots and its snapshots', async () => {
  const snapshot = { phase: 'completed', method: 'volumeSnapshot', backupId: 'b1', snapshotBackupStatus: { elements: [{ name: 'b1', type: 'PG_DATA' }] } };
  await assert.rejects(find({ status: snapshot }), /Backup "b1" is a volumeSnapshot backup.*spec\.bootstrap\.recovery\.volumeSnapshots instead \(storage: b1; walStorage: b1-wal/);
});
