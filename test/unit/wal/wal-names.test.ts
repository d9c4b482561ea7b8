import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hashDir, historyTimeline, isWalFileName, nextSegments, walObjectKey } from '../../../src/wal/wal-names.js';

test('barman object names: hash dir from timeline + log, none for .history, compression suffix', () => {
  assert.equal(walObjectKey('path', 'pg', '000000010000000A000000FF', 'gzip'), 'path/pg/wals/000000010000000A/000000010000000A000000FF.gz');
  assert.equal(walObjectKey('', 'pg', '00000002.history', undefined), 'pg/wals/00000002.history');
  assert.equal(walObjectKey('a/b', 'pg', '000000010000000000000002.00000028.backup', 'bzip2'), 'a/b/pg/wals/0000000100000000/000000010000000000000002.00000028.backup.bz2');
  assert.equal(hashDir('000000030000000100000002.partial'), '0000000300000001');
});

test('WAL names: segments, partial, backup and history accepted; anything else refused', () => {
  for (const ok of ['000000010000000000000001', '00000002.history', '000000010000000000000002.partial', '000000010000000000000002.00000028.backup']) assert.ok(isWalFileName(ok), ok);
  for (const bad of ['', 'RECOVERYXLOG', '00000001000000000000001', '../00000002.history', '000000010000000000000001.gz']) assert.ok(!isWalFileName(bad), bad);
  assert.equal(historyTimeline('0000000A.history'), 10);
  assert.equal(historyTimeline('000000010000000000000001'), undefined);
});

test('next segments follow the segment size from pg_control, not 16 MB', () => {
  // 16 MB: 256 segments per log file.
  assert.deepEqual(nextSegments('0000000100000000000000FE', 3, 16 * 1024 * 1024), ['0000000100000000000000FF', '000000010000000100000000', '000000010000000100000001']);
  // 64 MB: 64 segments per log file (CNPG #8874 assumed 16 MB and prefetched names that never exist).
  assert.deepEqual(nextSegments('00000001000000000000003E', 2, 64 * 1024 * 1024), ['00000001000000000000003F', '000000010000000100000000']);
  assert.deepEqual(nextSegments('00000002.history', 2, 16 * 1024 * 1024), []);
});
