// `backup NAME` picks its method and volume-snapshot settings from the Backup's spec and the request's options
// (kubectl cnpg backup's), never changing a spec already set, and refusing bad values naming the option.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveBackupRequest } from '../../../src/backup/backup-request-spec.js';

test('defaults to barmanObjectStore; --method volumeSnapshot with its options', () => {
  assert.deepEqual(resolveBackupRequest('b', {}, undefined), { method: 'barmanObjectStore', overrides: {}, spec: { method: 'barmanObjectStore' } });
  const r = resolveBackupRequest('b', { method: 'volumeSnapshot', online: 'false', immediateCheckpoint: 'true', waitForArchive: '' }, { cluster: { name: 'c' } });
  assert.equal(r.method, 'volumeSnapshot');
  assert.deepEqual(r.overrides, { online: false, onlineConfiguration: { immediateCheckpoint: true } });
  assert.deepEqual(r.spec, { cluster: { name: 'c' }, method: 'volumeSnapshot', online: false, onlineConfiguration: { immediateCheckpoint: true } });
});

test('a Backup written first (backup-with-volume-snapshot.yaml) says its method', () => {
  const spec = { method: 'volumeSnapshot', cluster: { name: 'c' }, online: true, onlineConfiguration: { waitForArchive: false } };
  const r = resolveBackupRequest('b', {}, spec);
  assert.equal(r.method, 'volumeSnapshot');
  assert.deepEqual(r.overrides, { online: true, onlineConfiguration: { waitForArchive: false } });
  // The same values again are fine; different ones are refused: a Backup's spec never changes.
  assert.equal(resolveBackupRequest('b', { method: 'volumeSnapshot', online: 'true' }, spec).method, 'volumeSnapshot');
  assert.throws(() => resolveBackupRequest('b', { method: 'barmanObjectStore' }, spec), /Backup "b" exists with spec.method volumeSnapshot, not barmanObjectStore/);
  assert.throws(() => resolveBackupRequest('b', { online: 'false' }, spec), /exists with spec.online: true/);
});

test('bad values are refused naming the option or field', () => {
  assert.throws(() => resolveBackupRequest('b', { method: 'snapshot' }, undefined), /--method: must be one of barmanObjectStore, volumeSnapshot, plugin/);
  assert.throws(() => resolveBackupRequest('b', { method: 'plugin' }, undefined), /method plugin is not supported/);
  assert.throws(() => resolveBackupRequest('b', { method: 'volumeSnapshot', online: 'yes' }, undefined), /--online: must be true, false or ""/);
  assert.throws(() => resolveBackupRequest('b', { online: 'true' }, undefined), /apply to volumeSnapshot Backups only/);
  assert.throws(() => resolveBackupRequest('b', {}, { method: 'volumeSnapshot', online: 'no' }), /Backup "b" spec.online: must be a boolean/);
  assert.throws(() => resolveBackupRequest('b', {}, { method: 'tape' }), /Backup "b" spec.method: must be one of/);
});
