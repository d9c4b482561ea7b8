// backup.info (barman's FieldListFile) read in-process gives the same catalog entry, and so the same Backup
// status fields, as barman-cloud-backup-show's JSON for the same backup (both captured from one real backup).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { backupInfoKey, backupInfoTime, backupsFolder, parseBackupInfo } from '../../../src/barman/backup-info.js';
import { parseBackupShow } from '../../../src/barman/barman-catalog.js';
import { parsePythonLiteral } from '../../../src/barman/python-literal.js';
import { repoRoot } from '../spec/repo-paths.js';

const fixture = (name: string): string => readFileSync(join(repoRoot(), 'test', 'fixtures', 'barman', name), 'utf8');

test('a real backup.info gives the entry barman-cloud-backup-show gives for it', () => {
  const fromInfo = parseBackupInfo(fixture('backup.info'), '20261207T131044');
  const fromShow = parseBackupShow(fixture('backup-show.json'));
  assert.deepEqual(fromInfo, fromShow);
  assert.equal(fromInfo.backupName, 'backup-20261207131043');
  assert.equal(fromInfo.beginWal, '000000010000000000000002');
  assert.equal(fromInfo.endLSN, '0/2000100');
  assert.equal(fromInfo.timeline, 1);
  assert.equal(fromInfo.status, 'DONE');
  // The Backup status writes the times with toISOString(): whole seconds, as from the ctime of the JSON.
  assert.equal(fromInfo.beginTime?.toISOString(), '2026-12-07T13:10:44.000Z');
  assert.equal(fromInfo.endTime?.toISOString(), '2026-12-07T13:10:46.000Z');
});

test("barman's keys: <path>/<server>/base/<id>/backup.info, an empty path left out", () => {
  assert.equal(backupInfoKey('a/b', 'pg', '20261207T131044'), 'a/b/pg/base/20261207T131044/backup.info');
  assert.equal(backupsFolder('', 'pg'), 'pg/base/');
});

test('times: the offset applies, fractions and offset seconds are dropped, a naive time is UTC, junk is none', () => {
  assert.equal(backupInfoTime('2026-12-07 14:10:44.749617+01:00'), '2026-12-07T14:10:44+01:00');
  assert.equal(new Date(backupInfoTime('2026-12-07 14:10:44.749617+01:00') ?? '').toISOString(), '2026-12-07T13:10:44.000Z');
  assert.equal(backupInfoTime('2026-12-07 13:10:44'), '2026-12-07T13:10:44Z');
  assert.equal(backupInfoTime('2026-12-07 13:10:44-05:00:30'), '2026-12-07T13:10:44-05:00');
  assert.equal(backupInfoTime('Mon Dec  7 13:10:44 2026'), undefined);
  assert.equal(backupInfoTime('2026-12-07 13:10:44 UTC'), undefined);
});

test('a failed backup: its status and error, None fields absent, tablespaces from their repr()', () => {
  const text = [
    'backup_name=backup-20261207131043',
    'begin_time=2026-12-07 13:10:44.749617+00:00',
    'end_time=None',
    'end_wal=None',
    'error=failure uploading data (connection lost)',
    'status=FAILED',
    "tablespaces=[('tbs1', 16385, '/var/lib/tbs1'), (\"o'brien\", 16386, '/data/t\\xe9\\\\x')]",
    '',
  ].join('\n');
  const b = parseBackupInfo(text, '20261207T131044');
  assert.equal(b.status, 'FAILED');
  assert.equal(b.error, 'failure uploading data (connection lost)');
  assert.equal(b.endTime, undefined);
  assert.equal(b.endWal, undefined);
  assert.deepEqual(b.tablespaces, [
    { name: 'tbs1', oid: '16385', location: '/var/lib/tbs1' },
    { name: "o'brien", oid: '16386', location: '/data/t\u00e9\\x' },
  ]);
});

test('a line without "=" or a literal that is not one is an error naming it', () => {
  assert.throws(() => parseBackupInfo('status=DONE\ngarbage\n', '20261207T131044'), /invalid line "garbage"/);
  assert.throws(() => parsePythonLiteral("[('a', 1"), /not a Python literal/);
  assert.throws(() => parsePythonLiteral("__import__('os')"), /not a Python literal/);
  assert.deepEqual(parsePythonLiteral('[(1, None, True), []]'), [[1, null, true], []]);
});
