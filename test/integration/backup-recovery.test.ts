// Backups and point-in-time recovery against the embedded object store (real s3rver, real barman-cloud tools,
// real PostgreSQL): a backup under a writer ends `completed` with barman's fields; a second request while
// it runs is refused; a new state folder recovers to a noted time with every row committed before it and
// none after; a target before the first backup is a clear error and no cluster starts.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, startManager, tempDir, type ManagerHandle } from '../helpers/manager.js';
import { cleanupDir, waitUntil } from '../helpers/lifecycle-procs.js';
import { idsIn, ownerQuery, runManagerCommand } from '../helpers/lifecycle-writer.js';
import { backupEnded, backupFile, backupManifest } from '../helpers/backup-stack.js';

const READY = (l: { msg?: string }): boolean => l.msg === 'instance ready';

async function insert(h: ManagerHandle, from: number, to: number): Promise<void> {
  await ownerQuery(h, 'INSERT INTO t SELECT generate_series($1::int, $2::int)', [from, to]);
}

// Copies the origin's store key into a new state folder's secrets, as the Secret an externalClusters entry names.
function copyKey(from: ManagerHandle, toStateDir: string, secret: string): void {
  const dir = join(toStateDir, 'secrets', secret);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  for (const key of ['ACCESS_KEY_ID', 'ACCESS_SECRET_KEY']) writeFileSync(join(dir, key), readFileSync(join(from.stateDir, 'secrets', 't1-objectstore', key)));
  // The manager reads its state folder as the run user.
  execFileSync('chown', ['-R', 'postgres:postgres', toStateDir]);
}

function recoveryManifest(storePort: number, originPort: number, target: string[]): string {
  return backupManifest('t1', storePort, 'restored', [
    'bootstrap:',
    '  recovery:',
    '    source: origin',
    '    recoveryTarget:',
    ...target.map((l) => `      ${l}`),
    'externalClusters:',
    '  - name: origin',
    '    barmanObjectStore:',
    '      destinationPath: s3://backups/origin',
    `      endpointURL: http://127.0.0.1:${originPort}`,
    '      serverName: origin',
    '      s3Credentials:',
    '        accessKeyId: { name: origin-objectstore, key: ACCESS_KEY_ID }',
    '        secretAccessKey: { name: origin-objectstore, key: ACCESS_SECRET_KEY }',
  ]);
}

describe('backups and point-in-time recovery', () => {
  const dirs: string[] = [];
  const handles: ManagerHandle[] = [];
  after(async () => {
    for (const h of handles) await h.stop(20_000);
    for (const d of dirs) await cleanupDir(d);
  });

  test('backup, second request refused, restore to a time in a new state folder, and a time before the first backup refused', async () => {
    const dir = tempDir('pgim-backup-');
    dirs.push(dir);
    const storePort = await freePort();
    const origin = await startManager({ dir, manifestText: backupManifest('t1', storePort, 'origin', [], '30d') });
    handles.push(origin);
    await origin.waitForLine(READY, 90_000, 'origin ready');
    // Retention runs on its timer from the start, before (and whether or not) any backup is taken.
    await origin.waitForLine((l) => l.msg === 'retention policy applied' && l.retentionPolicy === 'RECOVERY WINDOW OF 30 DAYS', 30_000, 'retention on the timer');
    const beforeBackup = (await ownerQuery<{ now: Date }>(origin, 'SELECT now()')).rows[0]?.now;
    await ownerQuery(origin, 'CREATE TABLE t (id int PRIMARY KEY)');
    await insert(origin, 1, 50);

    const first = await runManagerCommand(['backup', 'first'], origin, 120_000);
    assert.equal(first.code, 0, `backup first: ${first.stderr}`);
    const second = await runManagerCommand(['backup', 'second'], origin, 60_000);
    assert.notEqual(second.code, 0, 'a second backup while one runs is refused');
    assert.match(second.stderr, /backup "first" is still running/);
    const done = await backupEnded(origin.stateDir, 'first');
    assert.equal(done.phase, 'completed', `Backup first: ${JSON.stringify(done)}`);
    for (const field of ['backupId', 'backupName', 'beginWal', 'endWal', 'beginLSN', 'endLSN', 'startedAt', 'stoppedAt', 'destinationPath', 'serverName', 'instanceID']) {
      assert.ok(done[field] !== undefined && done[field] !== '', `Backup status has ${field}`); // eslint-disable-line security/detect-object-injection
    }
    assert.match(String(done.backupName), /^backup-\d{14}$/);
    // barman's fields come from its backup.info, read in-process; barman-cloud-backup-show is only the fallback.
    assert.ok(!origin.lines.some((l) => /asking barman-cloud-backup-show/.test(String(l.msg))), 'the backup.info was read in-process');
    assert.match(String(done.backupId), /^\d{8}T\d{6}$/);
    assert.match(String(done.startedAt), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/, 'whole seconds, as barman-cloud-backup-show gave them');
    // The catalog upkeep after the backup writes the recoverability window.
    const status = await waitUntil(() => {
      const s = JSON.parse(readFileSync(join(origin.stateDir, 'status.json'), 'utf8')) as Record<string, unknown>;
      return s.lastSuccessfulBackup && s.firstRecoverabilityPoint ? s : false;
    }, 30_000, 'firstRecoverabilityPoint in the Cluster status', 200);
    assert.ok((status.conditions as { type: string; status: string }[]).some((c) => c.type === 'LastBackupSucceeded' && c.status === 'True'));

    await insert(origin, 51, 100);
    const noted = (await ownerQuery<{ now: Date; lsn: string }>(origin, 'SELECT clock_timestamp() AS now, pg_current_wal_lsn()::text AS lsn')).rows[0];
    const target = noted?.now;
    const targetLsn = noted?.lsn ?? '';
    await new Promise((r) => setTimeout(r, 1100)); // the target time lies strictly between two commits, not a synchronisation
    await insert(origin, 101, 150);
    // Push the WAL holding the last commits into the archive.
    const wal = (await ownerQuery<{ w: string }>(origin, 'SELECT pg_walfile_name(pg_current_wal_lsn()) AS w')).rows[0]?.w ?? '';
    // The owner may not call pg_switch_wal(): a segment's worth of other WAL pushes that one out.
    await ownerQuery(origin, "CREATE TABLE filler AS SELECT repeat('x', 1000) AS pad FROM generate_series(1, 20000)");
    await waitUntil(async () => {
      const r = await ownerQuery<{ w: string | null }>(origin, 'SELECT last_archived_wal AS w FROM pg_stat_archiver');
      return (r.rows[0]?.w ?? '') >= wal;
    }, 60_000, `WAL ${wal} archived`, 250);

    const listed = await runManagerCommand(['backups'], origin, 60_000);
    assert.equal(listed.code, 0, listed.stderr);

    // A target before the first backup: a clear error, and no cluster starts.
    const early = tempDir('pgim-restore-early-');
    dirs.push(early);
    copyKey(origin, join(early, 'state'), 'origin-objectstore');
    const earlyPort = await freePort();
    const refused = await startManager({ dir: early, manifestText: recoveryManifest(earlyPort, storePort, [`targetTime: "${beforeBackup?.toISOString() ?? ''}"`]) });
    handles.push(refused);
    const exit = await refused.exited;
    assert.notEqual(exit.code, 0);
    assert.match(refused.stderr(), /no completed backup ended at or before targetTime/);
    assert.ok(!existsSync(join(refused.stateDir, 'pgdata', 'PG_VERSION')), 'no PGDATA is left behind');

    // Restores to the noted time, to an LSN noted with it, and to the end of the backup (targetImmediate), side by side.
    const restoreTo = async (target: string[]): Promise<Set<number>> => {
      const restoreDir = tempDir('pgim-restore-');
      dirs.push(restoreDir);
      copyKey(origin, join(restoreDir, 'state'), 'origin-objectstore');
      const restorePort = await freePort();
      const h = await startManager({ dir: restoreDir, manifestText: recoveryManifest(restorePort, storePort, target) });
      handles.push(h);
      await h.waitForLine(READY, 180_000, `restored (${target.join(', ')}) ready`);
      assert.ok(h.lines.some((l) => l.msg === 'recovery finished: postgres promoted'));
      return idsIn(h, 't');
    };
    const [byTime, byLsn, immediate] = await Promise.all([
      restoreTo([`targetTime: "${target?.toISOString() ?? ''}"`]),
      restoreTo([`targetLSN: "${targetLsn}"`]),
      restoreTo(['targetImmediate: true']),
    ]);
    const upTo = (n: number): Set<number> => new Set(Array.from({ length: n }, (_, i) => i + 1));
    assert.deepEqual(byTime, upTo(100), 'targetTime: every row committed before the target, none after');
    assert.deepEqual(byLsn, upTo(100), 'targetLSN: every row committed before the LSN, none after');
    assert.deepEqual(immediate, upTo(50), 'targetImmediate: what the backup holds, nothing later');

    // The backup metrics, from the catalog.
    const metrics = await (await fetch(`http://127.0.0.1:${origin.metricsPort}/metrics`)).text();
    assert.match(metrics, /^cnpg_collector_first_recoverability_point [1-9]\d{9}$/m);
    assert.match(metrics, /^cnpg_collector_last_available_backup_timestamp [1-9]\d{9}$/m);

    // Wrong credentials: the Backup ends failed with barman's error, and postgres keeps serving.
    for (const key of ['ACCESS_KEY_ID', 'ACCESS_SECRET_KEY']) writeFileSync(join(origin.stateDir, 'secrets', 't1-objectstore', key), 'wrong');
    const wrong = await runManagerCommand(['backup', 'wrong'], origin, 60_000);
    assert.equal(wrong.code, 0, wrong.stderr);
    const failed = await waitUntil(() => {
      const st = backupFile(origin.stateDir, 'wrong')?.status;
      return st && (st.phase === 'completed' || st.phase === 'failed') ? st : false;
    }, 60_000, 'Backup wrong to finish', 200);
    assert.equal(failed.phase, 'failed');
    assert.match(String(failed.error), /barman-cloud-backup failed/);
    assert.equal((await ownerQuery<{ n: string }>(origin, 'SELECT count(*) AS n FROM t')).rows[0]?.n, '150', 'postgres still serves');
    await waitUntil(() => {
      const st = JSON.parse(readFileSync(join(origin.stateDir, 'status.json'), 'utf8')) as { lastFailedBackup?: string; conditions?: { type: string; status: string; reason: string }[] };
      return st.lastFailedBackup && st.conditions?.some((c) => c.type === 'LastBackupSucceeded' && c.reason === 'LastBackupFailed');
    }, 10_000, 'lastFailedBackup and LastBackupSucceeded=False in the Cluster status', 100);
  });
});
