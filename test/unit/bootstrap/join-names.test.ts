// The join step's small pure parts: pg_basebackup's progress line and the name a PGDATA is moved aside to.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseProgress } from '../../../src/bootstrap/basebackup.js';
import { asideName } from '../../../src/bootstrap/join-step.js';

test('pg_basebackup -P lines give bytes done and total; other lines are not progress', () => {
  assert.deepEqual(parseProgress('12345/67890 kB (18%), 0/1 tablespace'), { doneBytes: 12345 * 1024, totalBytes: 67890 * 1024 });
  assert.deepEqual(parseProgress('   10/20 kB (50%), 0/1 tablespace (...pgdata/base/1/1259)'), { doneBytes: 10240, totalBytes: 20480 });
  assert.equal(parseProgress('pg_basebackup: initiating base backup, waiting for checkpoint to complete'), undefined);
  assert.equal(parseProgress(''), undefined);
});

test('a PGDATA goes aside as <pgdata>_<YYYYMMDDHHMMSS> (UTC)', () => {
  assert.equal(asideName('/srv/state/pgdata', new Date(Date.UTC(2026, 11, 7, 5, 4, 3))), '/srv/state/pgdata_20261207050403');
});
