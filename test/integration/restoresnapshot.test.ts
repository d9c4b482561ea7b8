// `instance restoresnapshot`, with this test playing CloudNativePG's operator: an online "volume snapshot" of a
// running primary (PGDATA copied while /pg/mode/backup holds the backup, as the operator holds one while the CSI
// driver snapshots), the copy put where the new instance's PGDATA is (the PVC made from the VolumeSnapshot), and
// the command run in Kubernetes mode against the in-repo API server with the backup_label in base64, as the
// VolumeSnapshot's annotation hands it to the Job. With recovery.source naming the origin's object store (its
// Secret read through the API), the WAL archived after the snapshot is replayed too, and `instance run` then
// serves a primary on a new timeline with every row. Bad input first: a label that is not base64 exits 2 naming
// the flag, PGDATA untouched. Without a source (embedded default this time) the label is not written and
// postgres recovers the copy as after a crash, on the same timeline, as CNPG does.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PG_BIN, freePort, manifest, startManager, tempDir } from '../helpers/manager.js';
import { kubeFixture, runKubeManager, typeOf, type KubeFixture } from '../helpers/kube-api-server-fixture.js';
import { cleanupDir, waitUntil } from '../helpers/lifecycle-procs.js';
import { ownerQuery, runManagerCommand } from '../helpers/lifecycle-writer.js';
import { backupManifest } from '../helpers/backup-stack.js';
import { holdOnlineBackup, operatorBackupRequest } from '../helpers/online-backup.js';
import { readySocketDir, superSql } from '../helpers/wal-archive-env.js';

// The new Cluster's spec (under `spec:`): the snapshot, and the origin's archive as the recovery source.
function recoverySpec(storePort: number): string {
  return [
    'bootstrap:',
    '  recovery:',
    '    source: origin',
    '    volumeSnapshots:',
    '      storage: { name: snap, kind: VolumeSnapshot, apiGroup: snapshot.storage.k8s.io }',
    'externalClusters:',
    '  - name: origin',
    '    barmanObjectStore:',
    '      destinationPath: s3://backups/origin',
    `      endpointURL: http://127.0.0.1:${storePort}`,
    '      serverName: origin',
    '      s3Credentials:',
    '        accessKeyId: { name: origin-objectstore, key: ACCESS_KEY_ID }',
    '        secretAccessKey: { name: origin-objectstore, key: ACCESS_SECRET_KEY }',
  ].join('\n');
}

function sql(f: KubeFixture, port: number, text: string): string {
  return execFileSync('runuser', ['-u', 'postgres', '--', join(PG_BIN, 'psql'), '-X', '-At', '-h', join(f.dir, 'controller', 'run'), '-p', String(port), '-d', 'app', '-c', text], { encoding: 'utf8' }).trim();
}

describe('instance restoresnapshot', () => {
  const dirs: string[] = [];
  const handles: { stop: () => Promise<unknown> }[] = [];
  let server: KubeFixture['server'] | undefined;
  after(async () => {
    for (const h of handles) await h.stop();
    await server?.stop();
    for (const d of dirs) await cleanupDir(d);
  });

  test('an online snapshot recovers with its backup_label and the source\'s archive: a primary on a new timeline with every row; without source, as after a crash', { timeout: 120_000 }, async (t) => {
    const t0 = Date.now();
    const mark = (what: string): void => t.diagnostic(`${what}: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const storePort = await freePort();
    const origin = await startManager({ manifestText: backupManifest('t1', storePort, 'origin') });
    handles.push(origin);
    dirs.push(origin.dir);
    const socketDir = await readySocketDir(origin);
    mark('origin ready');
    await ownerQuery(origin, 'CREATE TABLE t (id int PRIMARY KEY)');
    await ownerQuery(origin, 'INSERT INTO t SELECT generate_series(1, 100)');

    // The operator's part: the "PVC from the VolumeSnapshot" is the new instance's PGDATA.
    const f = await kubeFixture({ clusterName: 't1', specYaml: recoverySpec(storePort) });
    server = f.server;
    dirs.push(f.dir);
    const pgData = join(f.dir, 'pgdata');
    mkdirSync(pgData, { mode: 0o700 });
    // A second "PVC" for a recovery without source, in the embedded default (the command needs no API).
    const local = tempDir('pgim-restoresnapshot-');
    dirs.push(local);
    const localPgData = join(local, 'state', 'pgdata');
    mkdirSync(localPgData, { recursive: true, mode: 0o700 });
    const from = join(origin.stateDir, 'pgdata');
    // A live PGDATA: files that vanish during the copy (statistics, recycled WAL) are no error for a snapshot.
    const copy = (to: string, args: string[] = ['-a', ...readdirSync(from).map((e) => join(from, e)), to]): Promise<void> => new Promise<void>((resolve) => execFile('cp', args, () => resolve()));
    const req = await operatorBackupRequest(origin, 't1');
    const held = await holdOnlineBackup(req, 'snap', async () => {
      await copy(pgData);
      await copy(localPgData);
    });
    // A file copy is not atomic as a CSI snapshot is: the WAL copied again after pg_backup_stop makes the
    // second copy crash-consistent (as the samples' snapshot stand-in does).
    await copy(localPgData, ['-a', '-u', `${join(from, 'pg_wal')}/.`, join(localPgData, 'pg_wal')]);
    mark('snapshot taken');
    assert.match(held.labelFile.toString(), /^START WAL LOCATION: /);
    // Written after the snapshot: only the archive has them.
    await ownerQuery(origin, 'INSERT INTO t SELECT generate_series(101, 150)');
    const last = superSql(origin, socketDir, 'SELECT pg_walfile_name(pg_switch_wal())');
    await waitUntil(() => superSql(origin, socketDir, 'SELECT last_archived_wal FROM pg_stat_archiver') >= last, 30_000, `WAL ${last} archived`, 250);

    mark('archived');
    const key = (k: string): string => readFileSync(join(origin.stateDir, 'secrets', 't1-objectstore', k)).toString('base64');
    f.server.store.create(typeOf('secrets'), f.namespace, { metadata: { name: 'origin-objectstore' }, type: 'Opaque', data: { ACCESS_KEY_ID: key('ACCESS_KEY_ID'), ACCESS_SECRET_KEY: key('ACCESS_SECRET_KEY') } });
    execFileSync('chown', ['-R', 'postgres:postgres', pgData]);

    // Bad input: refused before anything is written.
    const before = readdirSync(pgData).sort();
    const bad = await runKubeManager(f, 'restoresnapshot', ['--backuplabel=bm90IGEgbGFiZWw*']);
    assert.equal(await bad.exited, 2, bad.stderr());
    assert.match(bad.stderr(), /--backuplabel: not base64/);
    assert.deepEqual(readdirSync(pgData).sort(), before, 'PGDATA untouched');

    const started = Date.now();
    const done = await runKubeManager(f, 'restoresnapshot', [`--backuplabel=${held.labelFile.toString('base64')}`]);
    assert.equal(await done.exited, 0, done.stderr());
    assert.ok(done.lines.some((l) => l.msg === 'recovery finished: postgres promoted'), 'postgres ran through the recovery');
    assert.ok(!existsSync(join(pgData, 'pgim.bootstrap-pending')), 'the snapshot marker is gone');
    assert.ok(!existsSync(join(pgData, 'recovery.signal')));
    mark(`restoresnapshot done (${((Date.now() - started) / 1000).toFixed(1)} s)`);

    const restored = await runKubeManager(f, 'run');
    handles.push(restored);
    await restored.waitForLine((l) => l.msg === 'instance ready', 60_000, 'restored ready');
    mark('restored ready');
    assert.equal(sql(f, restored.port, 'SELECT string_agg(id::text, \',\' ORDER BY id) FROM t'), Array.from({ length: 150 }, (_, i) => i + 1).join(','), 'rows from before the snapshot and from the archive after it');
    assert.equal(sql(f, restored.port, 'SELECT pg_is_in_recovery()'), 'f', 'a primary');
    assert.equal(sql(f, restored.port, 'SELECT timeline_id FROM pg_control_checkpoint()'), '2', 'on a new timeline');

    // No source (CNPG's second example): the label is not written, postgres recovers the volume as after a crash.
    writeFileSync(join(local, 'cluster.yaml'), manifest('t1', 'bootstrap:\n  recovery:\n    volumeSnapshots:\n      storage: { name: snap, kind: VolumeSnapshot, apiGroup: snapshot.storage.k8s.io }'));
    execFileSync('chown', ['-R', 'postgres:postgres', join(local, 'state')]);
    const plain = await runManagerCommand(['instance', 'restoresnapshot', `--backuplabel=${held.labelFile.toString('base64')}`], { dir: local, port: await freePort() }, 60_000);
    assert.equal(plain.code, 0, plain.stderr);
    assert.ok(plain.lines.some((l) => /^no recovery.source archive: backup_label and tablespace_map are not written/.test(String(l.msg))));
    assert.ok(plain.lines.some((l) => l.msg === 'recovery finished: postgres promoted'));
    assert.ok(!existsSync(join(localPgData, 'backup_label')) && !existsSync(join(localPgData, 'backup_label.old')), 'no label was used');
    const control = execFileSync(join(PG_BIN, 'pg_controldata'), [localPgData], { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } });
    assert.match(control, /^Database cluster state: +shut down$/m);
    assert.match(control, /^Latest checkpoint's TimeLineID: +1$/m, 'crash recovery: the same timeline');
    mark('recovered without source');
  });
});
