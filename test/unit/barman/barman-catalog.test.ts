// barman's catalog JSON (3.4 ctime times) and the choice of the backup a recovery starts from.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseBackup, parseBackupList, parseBarmanTime } from '../../../src/barman/barman-catalog.js';
import { backupArgs, barmanBackupName } from '../../../src/barman/barman-argv.js';
import { recoveryTime, renderRecoveryConf } from '../../../src/pgfiles/recovery-conf.js';

const LIST = JSON.stringify({
  backups_list: [
    { backup_id: '20261207T050000', backup_name: 'backup-20261207050000', begin_time: 'Mon Dec  7 05:00:00 2026', end_time: 'Mon Dec  7 05:00:10 2026', end_xlog: '0/3000100', timeline: 1, status: 'DONE' },
    { backup_id: '20261207T060000', begin_time: 'Mon Dec  7 06:00:00 2026', end_time: 'Mon Dec  7 06:00:10 2026', end_xlog: '0/5000100', timeline: 1, status: 'DONE' },
    { backup_id: '20261207T070000', begin_time: 'Mon Dec  7 07:00:00 2026', end_time: '', status: 'FAILED' },
  ],
});

test('barman 3.4 ctime times (double space, no zone) are UTC', () => {
  assert.equal(parseBarmanTime('Thu Dec  3 08:30:35 2026')?.toISOString(), '2026-12-03T08:30:35.000Z');
  assert.equal(parseBarmanTime(''), undefined);
});

test('the backup for a target: newest done one that ends before it; none before the first', () => {
  const list = parseBackupList(LIST);
  const at = (iso: string): string | undefined => chooseBackup(list, { targetTime: new Date(iso) })?.backupId;
  assert.equal(at('2026-12-07T06:30:00Z'), '20261207T060000');
  assert.equal(at('2026-12-07T05:30:00Z'), '20261207T050000');
  assert.equal(at('2026-12-07T04:00:00Z'), undefined);
  assert.equal(chooseBackup(list, { targetLSN: '0/4000000' })?.backupId, '20261207T050000');
  assert.equal(chooseBackup(list, {})?.backupId, '20261207T060000');
  assert.equal(chooseBackup(list, { backupID: '20261207T070000' }), undefined, 'a failed backup is never chosen');
});

test("barman-cloud-backup argv: CNPG's order, destination and server last", () => {
  const store = { destinationPath: 's3://b/p', serverName: 'pg', endpointURL: 'http://127.0.0.1:9', cloudProvider: 'aws-s3' as const, credentials: {}, data: { compression: 'gzip', immediateCheckpoint: true }, wal: { maxParallel: 1 } };
  assert.deepEqual(backupArgs(store, 'backup-1', { host: '/run', port: 5432 }), ['--user', 'postgres', '--name', 'backup-1', '--gzip', '--immediate-checkpoint', '--host', '/run', '--port', '5432', '--endpoint-url', 'http://127.0.0.1:9', '--cloud-provider', 'aws-s3', 's3://b/p', 'pg']);
  assert.equal(barmanBackupName(new Date('2026-12-07T05:06:07Z')), 'backup-20261207050607');
});

test('recovery settings: archiving off, the target, inclusive unless exclusive, promote', () => {
  assert.equal(recoveryTime('2026-12-07T05:06:07.123Z'), '2026-12-07 05:06:07.123000+00:00');
  const text = renderRecoveryConf({ restoreCommand: 'r %f %p', target: { targetTime: '2026-12-07T05:06:07Z', exclusive: true }, hotStandby: { max_connections: '200' } });
  for (const line of ["archive_command = ''", "max_connections = '200'", "restore_command = 'r %f %p'", "recovery_target_action = 'promote'", "recovery_target_time = '2026-12-07 05:06:07.000000+00:00'", "recovery_target_inclusive = 'false'"]) {
    assert.ok(text.includes(line), line);
  }
  assert.ok(renderRecoveryConf({ restoreCommand: 'r', target: { targetImmediate: true }, hotStandby: {} }).includes("recovery_target = 'immediate'"));
});

test('a backup\'s tablespaces ([name, oid, location] in barman\'s JSON)', () => {
  const list = parseBackupList(JSON.stringify({ backups_list: [{ backup_id: 'B', begin_time: 'Mon Dec  7 05:00:00 2026', end_time: 'Mon Dec  7 05:00:10 2026', status: 'DONE', tablespaces: [['a', 16384, '/t/a/data']] }, { backup_id: 'C', tablespaces: null }] }));
  assert.deepEqual(list.find((b) => b.backupId === 'B')?.tablespaces, [{ name: 'a', oid: '16384', location: '/t/a/data' }]);
  assert.equal(list.find((b) => b.backupId === 'C')?.tablespaces, undefined);
});
