// Volume-snapshot Backups in the embedded default, with real PostgreSQL: a primary with spec.backup.volumeSnapshot
// only (no object store, so no WAL archive), a WAL folder and a tablespace. `backup NAME --method volumeSnapshot`
// under a writer copies PGDATA, the WAL folder and the tablespace into <state>/volume-snapshots/{NAME, NAME-wal,
// NAME-tbs-tbs-a} and the Backup ends completed with CNPG's snapshot fields; a new instance recovers from those
// folders alone and has the rows. A cold one (--online false) stops postgres, copies, and starts it again. A
// snapshot folder that already exists fails its Backup with the reason, the folder untouched, postgres running.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { manifest, startManager, tempDir, type ManagerHandle } from '../helpers/manager.js';
import { cleanupDir, waitUntil } from '../helpers/lifecycle-procs.js';
import { idsIn, ownerQuery, runManagerCommand, startWriter } from '../helpers/lifecycle-writer.js';
import { backupEnded } from '../helpers/backup-stack.js';

const READY = (l: { msg?: string }): boolean => l.msg === 'instance ready';
const STORAGE = ['walStorage:', '  size: 1Gi', 'tablespaces:', '  - name: tbs_a', '    storage: { size: 1Gi }', '    owner: { name: app }'];
const SNAPSHOTS = ['backup:', '  volumeSnapshot:', '    className: csi-hostpath-snapclass', '    onlineConfiguration: { immediateCheckpoint: true }'];

describe('volume-snapshot Backups (embedded default)', () => {
  const dirs: string[] = [];
  const handles: ManagerHandle[] = [];
  after(async () => {
    await Promise.all(handles.map((h) => h.stop(20_000)));
    for (const d of dirs) await cleanupDir(d);
  });

  test('online under a writer, recovered from the snapshot folders alone; offline; an existing folder fails the Backup', { timeout: 240_000 }, async () => {
    const primary = await startManager({ manifestText: manifest('t1', [...STORAGE, ...SNAPSHOTS].join('\n')) });
    handles.push(primary);
    dirs.push(primary.dir);
    await primary.waitForLine(READY, 60_000, 'primary ready');
    const snapshots = join(primary.stateDir, 'volume-snapshots');
    await ownerQuery(primary, 'CREATE TABLE t (id bigint PRIMARY KEY) TABLESPACE tbs_a');
    await ownerQuery(primary, 'INSERT INTO t SELECT -g FROM generate_series(1, 500) g');
    const writer = await startWriter(primary, 't');
    await writer.waitForAcked(20);

    const online = await runManagerCommand(['backup', 'snap1', '--method', 'volumeSnapshot'], primary);
    assert.equal(online.code, 0, online.stderr);
    const done = await backupEnded(primary.stateDir, 'snap1', 60_000);
    await writer.stop();
    assert.equal(done.phase, 'completed', JSON.stringify(done));
    assert.equal(done.method, 'volumeSnapshot');
    assert.equal(done.online, true);
    assert.deepEqual(done.snapshotBackupStatus, {
      elements: [
        { name: 'snap1', type: 'PG_DATA' },
        { name: 'snap1-wal', type: 'PG_WAL' },
        { name: 'snap1-tbs-tbs-a', type: 'PG_TABLESPACE', tablespaceName: 'tbs_a' },
      ],
    });
    for (const field of ['beginLSN', 'endLSN', 'startedAt', 'stoppedAt', 'backupLabelFile', 'tablespaceMapFile']) assert.equal(typeof done[field], 'string', field); // eslint-disable-line security/detect-object-injection -- literal field names
    assert.match(String(done.beginWal), /^[0-9A-F]{24}$/);
    assert.match(String(done.endWal), /^[0-9A-F]{24}$/);
    assert.deepEqual(readdirSync(snapshots).sort(), ['snap1', 'snap1-tbs-tbs-a', 'snap1-wal'], 'no temporary left beside the snapshots');
    assert.ok(existsSync(join(snapshots, 'snap1', 'backup_label')), 'backup_label at the root of the PGDATA snapshot');
    assert.ok(readdirSync(join(snapshots, 'snap1-wal')).includes(String(done.endWal)), 'the WAL up to the end of the backup');

    // A folder in the way (someone else's): the Backup fails naming it, nothing is written, postgres keeps running.
    mkdirSync(join(snapshots, 'snap2-wal'));
    writeFileSync(join(snapshots, 'snap2-wal', 'keep'), 'mine');
    execFileSync('chown', ['-R', 'postgres:postgres', join(snapshots, 'snap2-wal')]);
    const refused = await runManagerCommand(['backup', 'snap2', '--method', 'volumeSnapshot'], primary);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /snap2-wal already exists/);
    const failed = await backupEnded(primary.stateDir, 'snap2', 10_000);
    assert.equal(failed.phase, 'failed');
    assert.match(String(failed.error), /^can't execute snapshot backup: VolumeSnapshot snap2-wal \(PG_WAL\): the volume snapshot folder .*snap2-wal already exists/);
    assert.deepEqual(readdirSync(join(snapshots, 'snap2-wal')), ['keep']);
    assert.ok(!existsSync(join(snapshots, 'snap2')));
    assert.equal((await ownerQuery<{ n: number }>(primary, 'SELECT count(*)::int AS n FROM t')).rows[0]?.n, 500 + writer.acked.length);

    // Cold: postgres stopped for the copy, then started again.
    const cold = await runManagerCommand(['backup', 'cold', '--method', 'volumeSnapshot', '--online', 'false'], primary);
    assert.equal(cold.code, 0, cold.stderr);
    const coldDone = await backupEnded(primary.stateDir, 'cold', 60_000);
    assert.equal(coldDone.phase, 'completed', JSON.stringify(coldDone));
    assert.equal(coldDone.online, false);
    assert.equal(coldDone.beginLSN, coldDone.endLSN);
    assert.ok(!existsSync(join(snapshots, 'cold', 'backup_label')));
    const count = async (): Promise<number | undefined> => (await ownerQuery<{ n: number }>(primary, 'SELECT count(*)::int AS n FROM t').catch(() => undefined))?.rows[0]?.n;
    await waitUntil(async () => (await count()) === 500 + writer.acked.length, 30_000, 'postgres runs again with every row', 200);

    // A new instance from the online snapshot's folders alone (no WAL archive): every row acknowledged before the
    // backup started is there, and nothing that was never committed.
    const restoreDir = tempDir('pgim-vs-restore-');
    dirs.push(restoreDir);
    const recovery = [
      ...STORAGE,
      'bootstrap:',
      '  recovery:',
      '    volumeSnapshots:',
      '      storage: { name: snap1, kind: VolumeSnapshot, apiGroup: snapshot.storage.k8s.io }',
      '      walStorage: { name: snap1-wal, kind: VolumeSnapshot, apiGroup: snapshot.storage.k8s.io }',
      '      tablespaceStorage:',
      '        tbs_a: { name: snap1-tbs-tbs-a, kind: VolumeSnapshot, apiGroup: snapshot.storage.k8s.io }',
    ];
    const restored = await startManager({ dir: restoreDir, manifestText: manifest('t1', recovery.join('\n')), extraArgs: ['--volume-snapshots-dir', snapshots] });
    handles.push(restored);
    await restored.waitForLine(READY, 120_000, 'restored ready');
    const ids = await idsIn(restored, 't');
    for (let i = 1; i <= 500; i++) assert.ok(ids.has(-i), `row -${i} from before the backup`);
    for (const id of writer.acked.slice(0, 20)) assert.ok(ids.has(id), `row ${id}, acknowledged before the backup`);
    const committed = new Set(writer.acked);
    for (const id of ids) assert.ok(id < 0 || committed.has(id), `row ${id} was committed`);
  });
});
