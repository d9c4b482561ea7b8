// spec.walStorage and spec.tablespaces with real PostgreSQL, pg_basebackup and barman-cloud against s3rver: a
// primary made by initdb with pg_wal in its WAL folder and four tablespaces (an owner, a temporary one, one
// whose folder cannot be made, one whose owner does not exist: those two pending with their errors, the others
// reconciled, postgres running); a backup; a replica cloned with its own WAL and tablespace folders; restores
// in new state folders with the same, from the backup and from volume-snapshot folders copied while
// /pg/mode/backup held an online backup; and a PGDATA whose pg_wal no longer matches the spec refused at start.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { freePort, ownerConnection, startManager, tempDir, type ManagerHandle } from '../helpers/manager.js';
import { cleanupDir, waitUntil } from '../helpers/lifecycle-procs.js';
import { runManagerCommand } from '../helpers/lifecycle-writer.js';
import { backupEnded, backupManifest } from '../helpers/backup-stack.js';
import { CLUSTER, portBase, replicaManifest, startInstance } from '../helpers/replica-pair.js';
import { holdOnlineBackup, operatorBackupRequest } from '../helpers/online-backup.js';

const READY = (l: { msg?: string }): boolean => l.msg === 'instance ready';
const TABLESPACES = ['tablespaces:', '  - name: tbs_a', '    storage: { size: 1Gi }', '    owner: { name: app }', '  - name: tbs_tmp', '    storage: { size: 1Gi }', '    temporary: true'];
const BAD_TABLESPACES = ['  - name: tbs_bad', '    storage: { size: 1Gi }', '  - name: tbs_noowner', '    storage: { size: 1Gi }', '    owner: { name: nobody_here }'];
const WAL = ['walStorage:', '  size: 1Gi'];

// As the owner, with the secrets (password, CA) of `secretsFrom`'s state folder.
async function query<T extends pg.QueryResultRow>(h: ManagerHandle, secretsFrom: ManagerHandle, sql: string): Promise<T[]> {
  const conn = ownerConnection(secretsFrom, CLUSTER);
  const client = new pg.Client({ ...conn, port: h.port });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

function statusOf(h: ManagerHandle): Record<string, unknown> {
  return JSON.parse(readFileSync(join(h.stateDir, 'status.json'), 'utf8')) as Record<string, unknown>;
}

// pg_wal links to the instance's own WAL folder, which holds WAL segments.
function assertWalFolder(h: ManagerHandle, what: string): void {
  assert.equal(readlinkSync(join(h.stateDir, 'pgdata', 'pg_wal')), join(h.stateDir, 'pg_wal'), `${what}: pg_wal links to the WAL folder`);
  assert.ok(readdirSync(join(h.stateDir, 'pg_wal')).some((f) => /^[0-9A-F]{24}$/.test(f)), `${what}: WAL segments in the WAL folder`);
}

// Every tablespace link of PGDATA points into this instance's own tablespaces folder.
function assertOwnTablespaces(h: ManagerHandle, names: string[], what: string): void {
  const links = readdirSync(join(h.stateDir, 'pgdata', 'pg_tblspc')).map((oid) => readlinkSync(join(h.stateDir, 'pgdata', 'pg_tblspc', oid)));
  assert.deepEqual(links.sort(), names.map((n) => join(h.stateDir, 'tablespaces', n, 'data')).sort(), `${what}: tablespace links`);
}

// Copies PGDATA, the WAL folder and the tablespace folders of `h` into `into` while /pg/mode/backup holds an
// online backup open, then writes the backup_label and tablespace_map it hands back into the PGDATA copy.
async function takeSnapshot(h: ManagerHandle, into: string): Promise<void> {
  const req = await operatorBackupRequest(h, CLUSTER);
  const copy = (from: string, to: string): void => {
    // A live PGDATA: files that vanish during the copy (statistics, recycled WAL) are no error for a snapshot.
    spawnSync('cp', ['-a', from, to]);
    assert.ok(existsSync(to), `copied ${from}`);
  };
  const held = await holdOnlineBackup(req, 'snap', async () => {
    copy(join(h.stateDir, 'pgdata'), join(into, 'snap-data'));
    copy(join(h.stateDir, 'pg_wal'), join(into, 'snap-wal'));
    copy(join(h.stateDir, 'tablespaces', 'tbs_a', 'data'), join(into, 'snap-tbs-a'));
    copy(join(h.stateDir, 'tablespaces', 'tbs_tmp', 'data'), join(into, 'snap-tbs-tmp'));
    await query(h, h, 'CREATE TABLE during_snapshot AS SELECT 1 AS x');
  });
  writeFileSync(join(into, 'snap-data', 'backup_label'), held.labelFile);
  writeFileSync(join(into, 'snap-data', 'tablespace_map'), held.spcmapFile);
  execFileSync('chown', ['-R', 'postgres:postgres', into]);
}

describe('walStorage and tablespaces', () => {
  const dirs: string[] = [];
  const handles: ManagerHandle[] = [];
  after(async () => {
    await Promise.all(handles.map((h) => h.stop(20_000)));
    for (const d of dirs) await cleanupDir(d);
  });

  test('initdb, tablespaces and their status, a clone and a restore keep pg_wal and tablespaces in their own folders', async () => {
    const base = await portBase(2);
    const storePort = await freePort();
    const dir = tempDir('pgim-wal-tbs-');
    dirs.push(dir);
    // tbs_bad's folder cannot be made: its parent is a file.
    mkdirSync(join(dir, 'state', 'tablespaces'), { recursive: true });
    writeFileSync(join(dir, 'state', 'tablespaces', 'tbs_bad'), 'not a folder\n');
    execFileSync('chown', ['-R', 'postgres:postgres', join(dir, 'state')]);
    const primaryManifest = backupManifest(CLUSTER, storePort, 'wt', [...WAL, ...TABLESPACES, ...BAD_TABLESPACES]);
    const primary = await startInstance({ base, ordinal: 1, manifestText: primaryManifest, status: { instanceNames: [`${CLUSTER}-1`] }, dir });
    handles.push(primary);
    await primary.waitForLine(READY, 90_000, 'primary ready');
    assertWalFolder(primary, 'initdb');

    const states = await waitUntil(() => {
      const s = statusOf(primary).tablespacesStatus as { name: string; state: string; owner?: string; error?: string }[] | undefined;
      return s?.length === 4 ? s : false;
    }, 30_000, 'tablespacesStatus', 200);
    const byName = new Map(states.map((s) => [s.name, s]));
    assert.deepEqual(byName.get('tbs_a'), { name: 'tbs_a', owner: 'app', state: 'reconciled' });
    assert.deepEqual(byName.get('tbs_tmp'), { name: 'tbs_tmp', state: 'reconciled' });
    assert.equal(byName.get('tbs_bad')?.state, 'pending');
    assert.match(byName.get('tbs_bad')?.error ?? '', /cannot create the folder .*tbs_bad\/data of tablespace tbs_bad \((ENOTDIR|EEXIST)/);
    assert.equal(byName.get('tbs_noowner')?.state, 'pending');
    assert.match(byName.get('tbs_noowner')?.error ?? '', /role "nobody_here" does not exist/);
    assert.ok(primary.lines.some((l) => l.level === 'error' && l.tablespace === 'tbs_noowner'), 'the failure is logged');
    const owners = await query<{ spcname: string; owner: string }>(primary, primary, "SELECT spcname, pg_get_userbyid(spcowner) AS owner FROM pg_tablespace WHERE spcname LIKE 'tbs%' ORDER BY 1");
    assert.deepEqual(owners, [{ spcname: 'tbs_a', owner: 'app' }, { spcname: 'tbs_tmp', owner: 'postgres' }]);
    assert.deepEqual(await query(primary, primary, 'SHOW temp_tablespaces'), [{ temp_tablespaces: 'tbs_tmp' }]);
    // The owner of tbs_a can put a table there.
    await query(primary, primary, 'CREATE TABLE t TABLESPACE tbs_a AS SELECT g AS id FROM generate_series(1, 500) g');
    assertOwnTablespaces(primary, ['tbs_a', 'tbs_tmp'], 'primary');

    // A backup and a clone side by side.
    const replicaDir = tempDir('pgim-wal-tbs-replica-');
    dirs.push(replicaDir);
    const [backup, replica] = await Promise.all([
      runManagerCommand(['backup', 'first'], primary, 120_000),
      startInstance({
        base,
        ordinal: 2,
        dir: replicaDir,
        manifestText: replicaManifest(2, [...WAL, ...TABLESPACES].join('\n') + '\n'),
        status: { currentPrimary: `${CLUSTER}-1`, targetPrimary: `${CLUSTER}-1`, instanceNames: [`${CLUSTER}-1`, `${CLUSTER}-2`] },
        secretsFrom: primary.stateDir,
      }),
    ]);
    handles.push(replica);
    assert.equal(backup.code, 0, `backup first: ${backup.stderr}`);
    await replica.waitForLine(READY, 90_000, 'replica ready');
    assertWalFolder(replica, 'clone');
    assertOwnTablespaces(replica, ['tbs_a', 'tbs_tmp'], 'replica');
    await waitUntil(async () => (await query<{ n: number }>(replica, primary, 'SELECT count(*)::int AS n FROM t'))[0]?.n === 500, 30_000, 'rows on the replica', 200);

    const done = await backupEnded(primary.stateDir, 'first');
    assert.equal(done.phase, 'completed', JSON.stringify(done));

    // A volume snapshot stand-in, taken while /pg/mode/backup holds an online backup open.
    const snapshots = tempDir('pgim-wal-tbs-snapshots-');
    dirs.push(snapshots);
    await takeSnapshot(primary, snapshots);

    // Two restores into new state folders, side by side: from the backup and from the snapshot folders. Each has its
    // own WAL folder and tablespace folders, never the origin's.
    const restoreFrom = async (recovery: string[], extraArgs: string[] = []): Promise<ManagerHandle> => {
      const restoreDir = tempDir('pgim-wal-tbs-restore-');
      dirs.push(restoreDir);
      const keys = join(restoreDir, 'state', 'secrets', 'origin-objectstore');
      mkdirSync(keys, { recursive: true, mode: 0o700 });
      for (const key of ['ACCESS_KEY_ID', 'ACCESS_SECRET_KEY']) writeFileSync(join(keys, key), readFileSync(join(primary.stateDir, 'secrets', `${CLUSTER}-objectstore`, key)));
      execFileSync('chown', ['-R', 'postgres:postgres', join(restoreDir, 'state')]);
      const restoreManifest = backupManifest(CLUSTER, await freePort(), 'restored', [
        ...WAL,
        ...TABLESPACES,
        'bootstrap:',
        '  recovery:',
        '    source: origin',
        ...recovery.map((l) => `    ${l}`),
        'externalClusters:',
        '  - name: origin',
        '    barmanObjectStore:',
        '      destinationPath: s3://backups/wt',
        `      endpointURL: http://127.0.0.1:${storePort}`,
        '      serverName: wt',
        '      s3Credentials:',
        '        accessKeyId: { name: origin-objectstore, key: ACCESS_KEY_ID }',
        '        secretAccessKey: { name: origin-objectstore, key: ACCESS_SECRET_KEY }',
      ]);
      const h = await startManager({ dir: restoreDir, manifestText: restoreManifest, extraArgs });
      handles.push(h);
      await h.waitForLine(READY, 120_000, `restored (${recovery.join(' ')}) ready`);
      assertWalFolder(h, 'restore');
      assertOwnTablespaces(h, ['tbs_a', 'tbs_tmp'], 'restore');
      const rows = await query<{ n: number; spc: string }>(h, h, "SELECT count(*)::int AS n, (SELECT spcname FROM pg_tablespace s JOIN pg_class c ON c.reltablespace = s.oid WHERE c.relname = 't') AS spc FROM t");
      assert.deepEqual(rows, [{ n: 500, spc: 'tbs_a' }]);
      const restoredStates = await waitUntil(() => (statusOf(h).tablespacesStatus as unknown[] | undefined) ?? false, 30_000, 'restored tablespacesStatus', 200);
      assert.deepEqual(restoredStates, [{ name: 'tbs_a', owner: 'app', state: 'reconciled' }, { name: 'tbs_tmp', state: 'reconciled' }]);
      return h;
    };
    const snapshotSpec = [
      'volumeSnapshots:',
      '  storage: { name: snap-data, kind: VolumeSnapshot, apiGroup: snapshot.storage.k8s.io }',
      '  walStorage: { name: snap-wal, kind: VolumeSnapshot, apiGroup: snapshot.storage.k8s.io }',
      '  tablespaceStorage:',
      '    tbs_a: { name: snap-tbs-a, kind: VolumeSnapshot, apiGroup: snapshot.storage.k8s.io }',
      '    tbs_tmp: { name: snap-tbs-tmp, kind: VolumeSnapshot, apiGroup: snapshot.storage.k8s.io }',
    ];
    const [, fromSnapshot] = await Promise.all([restoreFrom(['recoveryTarget: { targetImmediate: true }']), restoreFrom(snapshotSpec, ['--volume-snapshots-dir', snapshots])]);
    // The row written while the backup was held comes from the archive (restore_command of the source).
    assert.deepEqual(await query(fromSnapshot, fromSnapshot, 'SELECT count(*)::int AS n FROM during_snapshot'), [{ n: 1 }]);

    // walStorage taken away from the replica's spec: refused at start, naming the link.
    await replica.stop(30_000);
    const again = await startInstance({ base, ordinal: 2, dir: replicaDir, manifestText: replicaManifest(2, TABLESPACES.join('\n') + '\n'), status: {}, secretsFrom: primary.stateDir });
    handles.push(again);
    const exit = await again.exited;
    assert.notEqual(exit.code, 0);
    assert.match(again.stderr(), /pg_wal is a link to .*pg_wal, but spec.walStorage is not set: removing walStorage from a cluster is not supported/);
  });
});
