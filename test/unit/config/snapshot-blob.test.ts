import { test } from 'node:test';
import assert from 'node:assert/strict';
import { snapshotBlobPath, snapshotModuleUrl } from '../../../src/config/snapshot-blob.js';

test('the blob path is read from either form of --snapshot-blob and made absolute', () => {
  assert.equal(snapshotBlobPath(['--snapshot-blob', 'dist/snapshot/manager.blob'], '/opt/p'), '/opt/p/dist/snapshot/manager.blob');
  assert.equal(snapshotBlobPath(['--max-old-space-size=64', '--snapshot-blob=/a/b.blob'], '/x'), '/a/b.blob');
  assert.equal(snapshotBlobPath(['--snapshot-blob'], '/x'), undefined, 'a flag without a value');
  assert.equal(snapshotBlobPath(['--no-warnings'], '/x'), undefined);
});

test('the module URL is the ESM bundle entry beside the snapshot folder', () => {
  assert.equal(snapshotModuleUrl('/opt/pg-instance-manager/dist/snapshot/manager.blob'), 'file:///opt/pg-instance-manager/dist/bundle/main.js');
});
