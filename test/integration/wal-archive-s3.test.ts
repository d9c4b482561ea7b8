// Continuous WAL archiving against a real S3 API (s3rver): what the manager uploads is restored byte for byte
// by barman-cloud-wal-restore itself; an outage of the store keeps WAL in pg_wal and archives it, complete
// and in order, once the store is back, with the condition and pg_stat_archiver showing both.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startManager, tempDir, type ManagerHandle } from '../helpers/manager.js';
import { waitUntil } from '../helpers/lifecycle-procs.js';
import { startS3Server, type S3Server } from '../helpers/s3-server.js';
import { archivingCondition, archivingManifest, barmanRestore, installS3Secret, pgStatus, readySocketDir, runWalRestore, superSql, writeSegment } from '../helpers/wal-archive-env.js';

// How long the object store stays down under a writer (the figure is 60 s; CI uses less).
// The figure: the store down for 60 s under a writer (shorter for a quick local run).
const OUTAGE_MS = Number(process.env.PGIM_TEST_ARCHIVE_OUTAGE_MS ?? 60_000);
// About a dozen segments over the outage, at least a second apart: a steady writer without a GB of WAL.
const SEGMENT_EVERY_MS = Math.max(1000, Math.floor(OUTAGE_MS / 12));

const started: ManagerHandle[] = [];
let s3: S3Server;
let superSocket = '';
after(async () => {
  await Promise.all(started.map((h) => h.stop()));
  await s3?.stop();
});

async function archivingInstance(name: string, path = name, opts: { bucket?: string; key?: string } = {}): Promise<{ h: ManagerHandle; socketDir: string }> {
  const dir = tempDir();
  installS3Secret(join(dir, 'state'), opts.key);
  const h = await startManager({ dir, manifestText: archivingManifest(name, s3, { path, ...(opts.bucket ? { bucket: opts.bucket } : {}) }) });
  started.push(h);
  return { h, socketDir: await readySocketDir(h) };
}

function archivedUpTo(h: ManagerHandle, socketDir: string, wal: string): () => true | undefined {
  return () => (superSql(h, socketDir, 'SELECT coalesce(last_archived_wal, \'\') FROM pg_stat_archiver') >= wal ? true : undefined);
}

test('archive under a writer: barman-cloud-wal-restore gets every segment back byte for byte; an outage loses nothing', async () => {
  s3 = await startS3Server();
  const { h, socketDir } = await archivingInstance('arch1');
  superSocket = socketDir;
  const pgData = join(h.stateDir, 'pgdata');
  const segments: string[] = [];
  for (let i = 0; i < 4; i++) segments.push(writeSegment(h, socketDir));
  await waitUntil(archivedUpTo(h, socketDir, segments.at(-1) ?? ''), 60_000, 'the segments archived');
  await waitUntil(() => (archivingCondition(h)?.status === 'True' ? true : undefined), 10_000, 'ContinuousArchiving True');
  const scratch = tempDir('pgim-restore-');
  // barman-cloud-wal-restore of each segment, four at a time (a Python start costs ~1 s here).
  const check = async (wals: string[]): Promise<void> => {
    for (let i = 0; i < wals.length; i += 4) {
      await Promise.all(
        wals.slice(i, i + 4).map(async (wal) => {
          const dest = join(scratch, wal);
          assert.equal(await barmanRestore(s3, dest, 'arch1', 'arch1', wal), 0, `barman-cloud-wal-restore ${wal}`);
          assert.ok(readFileSync(dest).equals(readFileSync(join(pgData, 'pg_wal', wal))), `${wal} restored byte for byte`);
        }),
      );
    }
  };
  await check(segments);

  // Outage: the store goes away under a writer; WAL waits in pg_wal, the condition turns False.
  await s3.stop();
  const during: string[] = [];
  const until = Date.now() + OUTAGE_MS;
  // A steady writer, a segment every SEGMENT_EVERY_MS (each segment is checked with barman at ~1 s below).
  while (Date.now() < until) {
    during.push(writeSegment(h, socketDir));
    await new Promise((resolve) => setTimeout(resolve, Math.min(SEGMENT_EVERY_MS, Math.max(0, until - Date.now()))));
  }
  await waitUntil(() => (archivingCondition(h)?.status === 'False' ? true : undefined), 30_000, 'ContinuousArchiving False during the outage');
  assert.match(archivingCondition(h)?.message ?? '', /unreachable|ECONNREFUSED/);
  assert.ok(Number(superSql(h, socketDir, 'SELECT failed_count FROM pg_stat_archiver')) > 0);
  const down = await pgStatus(h);
  // omitempty, as CNPG's: false is left out.
  assert.equal(down.isArchivingWAL, undefined, '/pg/status isArchivingWAL during the outage');
  assert.ok(typeof down.lastFailedWAL === 'string' && down.lastFailedWAL >= (during[0] ?? ''), `lastFailedWAL ${String(down.lastFailedWAL)}`);
  assert.ok(Number(down.readyWalFiles) > 0, 'WAL waits in pg_wal');
  await s3.start();
  during.push(writeSegment(h, socketDir)); // wakes the archiver at once
  await waitUntil(archivedUpTo(h, socketDir, during.at(-1) ?? ''), 120_000, 'the backlog archived after the outage');
  await waitUntil(() => (archivingCondition(h)?.status === 'True' ? true : undefined), 10_000, 'ContinuousArchiving True again');
  const up = await pgStatus(h);
  assert.equal(up.isArchivingWAL, true, '/pg/status isArchivingWAL after the outage');
  assert.ok(typeof up.lastArchivedWAL === 'string' && up.lastArchivedWAL >= (during.at(-1) ?? ''));
  // Every segment from the first to the last is there: nothing skipped.
  const first = parseInt(segments[0]?.slice(16) ?? '0', 16);
  const last = parseInt(during.at(-1)?.slice(16) ?? '0', 16);
  const all: string[] = [];
  for (let seg = first; seg <= last; seg++) all.push(`${segments[0]?.slice(0, 16) ?? ''}${seg.toString(16).toUpperCase().padStart(8, '0')}`);
  await check(all.filter((w) => !segments.includes(w)));
});

test('wal-restore: a segment back byte for byte with the next ones prefetched; barman exit codes for a missing file and a bad name', async () => {
  const h = started[0];
  assert.ok(h);
  const pgData = join(h.stateDir, 'pgdata');
  const wal = superSql(h, superSocket, "SELECT last_archived_wal FROM pg_stat_archiver");
  const first = `${wal.slice(0, 16)}${(parseInt(wal.slice(16), 16) - 4).toString(16).toUpperCase().padStart(8, '0')}`;
  const ok = runWalRestore(h, [first, 'pg_wal/RESTORED']);
  assert.equal(ok.status, 0, ok.stderr);
  assert.ok(readFileSync(join(pgData, 'pg_wal', 'RESTORED')).equals(readFileSync(join(pgData, 'pg_wal', first))));
  // maxParallel 4: the next three segments wait in the spool, each whole (written to .tmp, then renamed).
  const spool = join(h.stateDir, 'controller', 'wal-restore-spool');
  const next = `${first.slice(0, 16)}${(parseInt(first.slice(16), 16) + 1).toString(16).toUpperCase().padStart(8, '0')}`;
  await waitUntil(() => (existsSync(join(spool, next)) ? true : undefined), 20_000, 'the next segment prefetched');
  assert.ok(readFileSync(join(spool, next)).equals(readFileSync(join(pgData, 'pg_wal', next))));
  // A prefetched segment is served from the spool (moved, not downloaded again).
  assert.equal(runWalRestore(h, [next, 'pg_wal/RESTORED2']).status, 0);
  assert.equal(existsSync(join(spool, next)), false);
  const missing = runWalRestore(h, ['0000000100000000000000FE', 'pg_wal/RESTORED3']);
  assert.equal(missing.status, 1, 'not in the archive: 1');
  assert.ok(missing.ms >= 100, 'a failure waits 100 ms');
  assert.equal(runWalRestore(h, ['not-a-wal', 'pg_wal/RESTORED3']).status, 3, 'a bad name: 3');
  assert.equal(runWalRestore(h, [first, '/etc/passwd']).status, 3, 'a destination outside PGDATA is refused');
  // The native client (what archive_command runs from a build) answers the same way.
  assert.equal(runWalRestore(h, [first, 'pg_wal/RESTORED4'], 'native').status, 0);
  assert.ok(readFileSync(join(pgData, 'pg_wal', 'RESTORED4')).equals(readFileSync(join(pgData, 'pg_wal', first))));
  const nativeMissing = runWalRestore(h, ['0000000100000000000000FE', 'pg_wal/RESTORED5'], 'native');
  assert.equal(nativeMissing.status, 1);
  assert.ok(nativeMissing.ms >= 100);
  assert.equal(runWalRestore(h, ['not-a-wal', 'pg_wal/RESTORED5'], 'native').status, 3);
});

test('a reused non-empty archive is refused with a clear condition; postgres keeps running', async () => {
  // arch1 above filled s3://backups/arch1/arch1: a new cluster archiving there must refuse.
  const { h, socketDir } = await archivingInstance('arch1', 'arch1');
  writeSegment(h, socketDir);
  await waitUntil(() => (archivingCondition(h)?.status === 'False' ? true : undefined), 60_000, 'ContinuousArchiving False');
  assert.match(archivingCondition(h)?.message ?? '', /is not empty/);
  assert.equal(superSql(h, socketDir, 'SELECT 1'), '1');
});

test('wrong credentials and a missing bucket: a clear condition each, postgres keeps serving', async () => {
  const [wrongKey, noBucket] = await Promise.all([archivingInstance('archkey', 'archkey', { key: 'NOT-A-KEY' }), archivingInstance('archbucket', 'archbucket', { bucket: 'nobucket' })]);
  for (const { h, socketDir } of [wrongKey, noBucket]) writeSegment(h, socketDir);
  await waitUntil(() => (archivingCondition(wrongKey.h)?.status === 'False' ? true : undefined), 60_000, 'ContinuousArchiving False (credentials)');
  await waitUntil(() => (archivingCondition(noBucket.h)?.status === 'False' ? true : undefined), 60_000, 'ContinuousArchiving False (bucket)');
  assert.match(archivingCondition(wrongKey.h)?.message ?? '', /access denied: check the s3Credentials Secret/);
  assert.match(archivingCondition(noBucket.h)?.message ?? '', /nobucket/);
  for (const { h, socketDir } of [wrongKey, noBucket]) assert.equal(superSql(h, socketDir, 'SELECT 1'), '1');
});
