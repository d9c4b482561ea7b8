// WAL archiving, a backup and point-in-time recovery against a real Azure Blob API (Azurite), with Debian's
// barman-cloud tools and real PostgreSQL: the manager's in-process Azure client archives under a writer, and
// barman-cloud-wal-restore itself gets each segment back byte for byte; `pg-instance-manager backup` ends
// completed; a new state folder recovers to a noted time (barman-cloud-restore and -wal-restore reading what
// the manager wrote) with every row committed before it and none after; wrong credentials and a missing
// container are a clear error in the log and the status while postgres keeps serving and WAL waits in pg_wal.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startManager, tempDir, type ManagerHandle } from '../helpers/manager.js';
import { cleanupDir, waitUntil } from '../helpers/lifecycle-procs.js';
import { idsIn, ownerQuery, runManagerCommand, startWriter } from '../helpers/lifecycle-writer.js';
import { backupEnded } from '../helpers/backup-stack.js';
import { startAzurite, type AzuriteServer } from '../helpers/azurite-server.js';
import { AZURE_SECRET, AZURE_SECRET_KEY, azureManifest, azureStoreLines, barmanAzureRestore, installAzureSecret } from '../helpers/azure-archive-env.js';
import { archivingCondition, pgStatus, readySocketDir, runWalRestore, superSql, writeSegment } from '../helpers/wal-archive-env.js';

const WRONG_KEY = Buffer.from('not the account key of devstoreaccount1').toString('base64');

describe('WAL archiving, backup and recovery on Azure Blob Storage (Azurite)', () => {
  let azurite: AzuriteServer | undefined;
  let originHandle: ManagerHandle | undefined;
  let wrongKeyStart: Promise<ManagerHandle> | undefined;
  const handles: ManagerHandle[] = [];
  const dirs: string[] = [];
  after(async () => {
    await Promise.all(handles.map((h) => h.stop(20_000)));
    await azurite?.stop();
    await Promise.all(dirs.map((d) => cleanupDir(d)));
  });

  async function instance(name: string, manifestText: string, connectionString: string): Promise<ManagerHandle> {
    const dir = tempDir(`pgim-az-${name}-`);
    dirs.push(dir);
    installAzureSecret(join(dir, 'state'), connectionString);
    const h = await startManager({ dir, manifestText });
    handles.push(h);
    return h;
  }

  const archivedUpTo = (h: ManagerHandle, socketDir: string, wal: string) => () =>
    superSql(h, socketDir, "SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver") >= wal ? true : undefined;

  test('archive under a writer, byte for byte through barman; backup; recover to a noted time in a new state folder', async () => {
    azurite = await startAzurite();
    const az = azurite;
    // Side by side: a cluster whose container does not exist (its empty-archive check passes, its upload cannot).
    const missing = instance('nocont', azureManifest('t1', az, 'nocont', { container: 'nocontainer' }), az.connectionString());
    // And one with a wrong key, for the second test (started now: its start-up overlaps this test's work).
    wrongKeyStart = instance('wrongkey', azureManifest('t1', az, 'wrongkey'), az.connectionString(WRONG_KEY));
    wrongKeyStart.catch(() => undefined); // awaited (and its failure reported) by the second test
    const origin = await instance('origin', azureManifest('t1', az, 'origin'), az.connectionString());
    originHandle = origin;
    const socketDir = await readySocketDir(origin);
    await ownerQuery(origin, 'CREATE TABLE w (id int PRIMARY KEY)');
    await ownerQuery(origin, 'CREATE TABLE t (id int PRIMARY KEY)');
    const writer = await startWriter(origin, 'w');
    await writer.waitForAcked(20, 30_000);
    const segments: string[] = [];
    for (let i = 0; i < 4; i++) segments.push(writeSegment(origin, socketDir));
    await waitUntil(archivedUpTo(origin, socketDir, segments.at(-1) ?? ''), 90_000, 'the segments archived to Azurite');
    assert.equal(archivingCondition(origin)?.status, 'True');
    // What the manager uploaded, as barman-cloud-wal-restore reads it (gzip, barman's keys), before a checkpoint recycles it.
    const scratch = tempDir('pgim-az-wal-');
    dirs.push(scratch);
    const pgWal = join(origin.stateDir, 'pgdata', 'pg_wal');
    await Promise.all(
      segments.map(async (wal) => {
        assert.equal(await barmanAzureRestore(az, 'origin', wal, join(scratch, wal)), 0, `barman-cloud-wal-restore ${wal}`);
        assert.ok(readFileSync(join(scratch, wal)).equals(readFileSync(join(pgWal, wal))), `${wal} restored byte for byte`);
      }),
    );

    // The manager's own wal-restore (restore_command of replicas and pg_rewind) reads them back in-process.
    const [firstWal] = segments;
    assert.ok(firstWal);
    const own = runWalRestore(origin, [firstWal, 'pg_wal/RESTORED']);
    assert.equal(own.status, 0, own.stderr);
    assert.ok(readFileSync(join(pgWal, 'RESTORED')).equals(readFileSync(join(pgWal, firstWal))), 'wal-restore byte for byte');
    assert.equal(runWalRestore(origin, ['0000000100000000000000FE', 'pg_wal/RESTORED2']).status, 1, 'not in the archive: 1');

    const backup = await runManagerCommand(['backup', 'first'], origin, 60_000);
    assert.equal(backup.code, 0, backup.stderr);
    const done = await backupEnded(origin.stateDir, 'first');
    assert.equal(done.phase, 'completed', JSON.stringify(done));
    assert.equal(done.destinationPath, `${az.accountUrl}/backups/origin`);
    assert.ok(!origin.lines.some((l) => /asking barman-cloud-backup-show/.test(String(l.msg))), 'the backup.info was read in-process');
    await writer.waitForAcked(writer.acked.length + 20, 30_000);
    await writer.stop();
    const writerIds = new Set(writer.acked);
    await ownerQuery(origin, 'INSERT INTO t SELECT generate_series(1, 100)');
    const target = (await ownerQuery<{ now: Date }>(origin, 'SELECT clock_timestamp() AS now')).rows[0]?.now;
    await new Promise((r) => setTimeout(r, 1100)); // the target lies strictly between two commits, not a synchronisation
    await ownerQuery(origin, 'INSERT INTO t SELECT generate_series(101, 150)');
    const last = writeSegment(origin, socketDir);
    await waitUntil(archivedUpTo(origin, socketDir, last), 60_000, `WAL ${last} archived`);

    // The container that does not exist: a clear condition and log line; postgres serves, WAL waits in pg_wal.
    const noCont = await missing;
    const noContSocket = await readySocketDir(noCont);
    writeSegment(noCont, noContSocket);
    await waitUntil(() => (archivingCondition(noCont)?.status === 'False' ? true : undefined), 60_000, 'ContinuousArchiving False (container)');
    assert.match(archivingCondition(noCont)?.message ?? '', /the container nocontainer does not exist/);
    assert.ok(noCont.lines.some((l) => l.msg === 'continuous archiving is failing' && /nocontainer/.test(String(l.error))));
    const noContStatus = await pgStatus(noCont);
    assert.equal(noContStatus.isArchivingWAL, undefined);
    assert.ok(Number(noContStatus.readyWalFiles) > 0, 'WAL waits in pg_wal');
    assert.equal(superSql(noCont, noContSocket, 'SELECT 1'), '1');
    // Its stop (PostgreSQL's last archive attempts fail too) overlaps the recovery below.
    const noContStopped = noCont.stop(20_000);

    // Recovery to the noted time in a new state folder, the origin as an externalClusters source.
    const source = ['externalClusters:', '  - name: origin', '    barmanObjectStore:', ...azureStoreLines(az, 'origin').map((l) => `      ${l}`)];
    const bootstrap = ['bootstrap:', '  recovery:', '    source: origin', '    recoveryTarget:', `      targetTime: "${target?.toISOString() ?? ''}"`];
    const restored = await instance('restored', azureManifest('t1', az, 'restored', { extra: [...bootstrap, ...source] }), az.connectionString());
    await restored.waitForLine((l) => l.msg === 'instance ready', 180_000, 'the restored instance ready');
    assert.ok(restored.lines.some((l) => l.msg === 'recovery finished: postgres promoted'));
    assert.deepEqual(await idsIn(restored, 't'), new Set(Array.from({ length: 100 }, (_, i) => i + 1)), 'every row committed before the target, none after');
    assert.deepEqual(await idsIn(restored, 'w'), writerIds, "every one of the writer's acknowledged rows");
    await Promise.all([noContStopped, restored.stop(20_000)]);
  });

  test('wrong credentials: in-process uploads and barman\'s empty-archive check each say so; postgres keeps serving', async () => {
    const az = azurite;
    assert.ok(az, 'Azurite from the first test');
    const origin = originHandle;
    assert.ok(origin, 'the origin from the first test');
    const socketDir = await readySocketDir(origin);
    // A new cluster with a wrong key: its first archive runs barman-cloud-check-wal-archive, which is refused.
    const fresh = await wrongKeyStart;
    assert.ok(fresh, 'the wrong-key instance started by the first test');
    // The running origin's Secret rotated to a wrong key: the in-process client is refused.
    writeFileSync(join(origin.stateDir, 'secrets', AZURE_SECRET, AZURE_SECRET_KEY), az.connectionString(WRONG_KEY));
    const freshSocket = await readySocketDir(fresh);
    writeSegment(fresh, freshSocket);
    const stuck = writeSegment(origin, socketDir);
    for (const h of [origin, fresh]) {
      await waitUntil(() => (archivingCondition(h)?.status === 'False' ? true : undefined), 60_000, 'ContinuousArchiving False (credentials)');
      assert.match(archivingCondition(h)?.message ?? '', /access denied.*check the azureCredentials Secret|check the azureCredentials Secret/);
      const status = await pgStatus(h);
      assert.equal(status.isArchivingWAL, undefined);
      assert.ok(Number(status.readyWalFiles) > 0, 'WAL waits in pg_wal');
    }
    assert.match(archivingCondition(origin)?.message ?? '', /access denied by Azure Blob Storage \(AuthorizationFailure\)/);
    assert.match(archivingCondition(fresh)?.message ?? '', /barman-cloud-check-wal-archive/);
    assert.equal(superSql(fresh, freshSocket, 'SELECT 1'), '1');
    // The right key back: the backlog goes up, in order, and archiving is healthy again (and the new cluster's
    // last archive attempts at its stop succeed instead of running barman's failing check three times).
    for (const h of [origin, fresh]) writeFileSync(join(h.stateDir, 'secrets', AZURE_SECRET, AZURE_SECRET_KEY), az.connectionString());
    const next = writeSegment(origin, socketDir);
    await waitUntil(archivedUpTo(origin, socketDir, next), 60_000, 'the backlog archived with the right key');
    assert.ok(next > stuck);
    await waitUntil(() => (archivingCondition(origin)?.status === 'True' ? true : undefined), 10_000, 'ContinuousArchiving True again');
  });
});
