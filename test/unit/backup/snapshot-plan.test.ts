// The snapshots of a volume-snapshot Backup named as CNPG names its VolumeSnapshots, the Backup's settings over
// the Cluster's, and the WAL arithmetic that picks the segments a hot snapshot needs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { effectiveSnapshotSettings, labelStart, parseLsn, segmentRange, snapshotElements, walFileName } from '../../../src/backup/snapshot-plan.js';
import type { VolumeSnapshotConfig } from '../../../src/spec/validate-volume-snapshot.js';

const MB16 = 16 * 1024 * 1024;

test('snapshot names: <backup>, <backup>-wal, <backup>-tbs-<k8s name>', () => {
  const elements = snapshotElements('nightly', { pgData: '/d', pgWal: '/w', tablespaces: [{ name: 'tbs_A', folder: '/t/a' }, { name: '_x$y', folder: '/t/b' }] });
  assert.deepEqual(elements, [
    { name: 'nightly', type: 'PG_DATA', source: '/d' },
    { name: 'nightly-wal', type: 'PG_WAL', source: '/w' },
    { name: 'nightly-tbs-tbs-a', type: 'PG_TABLESPACE', tablespaceName: 'tbs_A', source: '/t/a' },
    { name: 'nightly-tbs-1x-y', type: 'PG_TABLESPACE', tablespaceName: '_x$y', source: '/t/b' },
  ]);
  assert.deepEqual(snapshotElements('b', { pgData: '/d', tablespaces: [] }).map((e) => e.name), ['b']);
});

test('the Backup\'s online settings override the Cluster\'s; a Backup onlineConfiguration replaces it whole', () => {
  const cluster = { online: true, onlineConfiguration: { waitForArchive: false, immediateCheckpoint: true } } as VolumeSnapshotConfig;
  assert.deepEqual(effectiveSnapshotSettings(cluster, {}), { online: true, waitForArchive: false, immediateCheckpoint: true });
  assert.deepEqual(effectiveSnapshotSettings(cluster, { online: false }), { online: false, waitForArchive: false, immediateCheckpoint: true });
  assert.deepEqual(effectiveSnapshotSettings(cluster, { onlineConfiguration: { immediateCheckpoint: false } }), { online: true, waitForArchive: true, immediateCheckpoint: false });
});

test('WAL file names from LSNs, as pg_walfile_name', () => {
  assert.equal(parseLsn('0/2000028'), 0x2000028);
  assert.equal(parseLsn('1/0'), 0x100000000);
  assert.equal(parseLsn('x/1'), undefined);
  assert.equal(walFileName(1, 0x2000028, MB16), '000000010000000000000002');
  assert.equal(walFileName(2, 0x1ff000000, MB16), '0000000200000001000000FF');
  // An end LSN on a segment boundary belongs to the segment before it.
  assert.equal(walFileName(1, 0x3000000, MB16, true), '000000010000000000000002');
  assert.equal(walFileName(1, 0x3000000, MB16), '000000010000000000000003');
  assert.equal(walFileName(1, 0x3000000, 64 * 1024 * 1024), '000000010000000000000000');
});

test('segment ranges cross a log boundary', () => {
  assert.deepEqual(segmentRange('0000000100000000000000FE', '000000010000000100000000', MB16), ['0000000100000000000000FE', '0000000100000000000000FF', '000000010000000100000000']);
  assert.deepEqual(segmentRange('000000010000000000000002', '000000010000000000000002', MB16), ['000000010000000000000002']);
});

test('backup_label: start segment and timeline', () => {
  const label = 'START WAL LOCATION: 0/5000028 (file 000000030000000000000005)\nCHECKPOINT LOCATION: 0/5000060\nBACKUP METHOD: streamed\nSTART TIMELINE: 3\n';
  assert.deepEqual(labelStart(label), { tli: 3, file: '000000030000000000000005' });
  assert.equal(labelStart('nothing'), undefined);
});
