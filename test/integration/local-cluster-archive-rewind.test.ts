// A former primary's WAL that was never archived is not lost to its rewind: with spec.backup.barmanObjectStore
// the old primary's `.ready` segments go to the object store before pg_rewind runs (CNPG ArchiveAllReadyWALs),
// and pg_rewind gets --restore-target-wal with the manager's `wal-restore --rewind`. The object store (s3rver)
// is down from the cluster's start, so the primary never archives: its empty-archive check is still pending and
// every segment it closes stays `.ready`. The primary is killed (kill -9), the replica promoted; the old primary
// does not rewind while it cannot archive, and once the store is back it archives those segments into the
// archive the new primary has meanwhile written to (the empty-archive check is for a new PGDATA, not for this
// cluster's former primary), rewinds and streams again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalCluster } from '../helpers/local-cluster.js';
import { allStreaming, failOver, primaryOrdinal } from '../helpers/failover-rounds.js';
import { startS3Server } from '../helpers/s3-server.js';
import { barmanRestore, installS3Secret } from '../helpers/wal-archive-env.js';

const NAME = 'lr';

test('a killed primary archives its not yet archived WAL before pg_rewind, then streams again', { timeout: 180_000 }, async (t) => {
  const s3 = await startS3Server();
  const store = [
    'backup:',
    '  barmanObjectStore:',
    `    destinationPath: s3://backups/${NAME}`,
    `    endpointURL: ${s3.endpoint}`,
    '    s3Credentials:',
    '      accessKeyId: { name: s3-creds, key: ACCESS_KEY_ID }',
    '      secretAccessKey: { name: s3-creds, key: ACCESS_SECRET_KEY }',
  ].join('\n');
  await s3.stop();
  const c = await startLocalCluster(NAME, 2, `failoverDelay: 0\nswitchoverDelay: 10\n${store}`, (stateDir) => installS3Secret(stateDir));
  const restored = mkdtempSync(join(tmpdir(), 'pgim-lr-'));
  try {
    await c.waitForLine((l) => l.msg === 'local cluster started: connect with libpq multi-host', 90_000);
    await allStreaming(c, 60_000);
    const old = primaryOrdinal(c);
    const oldDir = join(c.stateDir, `${NAME}-${old}`);
    assert.ok(existsSync(join(oldDir, 'pgdata', '.check-empty-wal-archive')), 'the primary never archived: its empty-archive check is pending');
    // One closed segment the archiver cannot ship: it stays .ready on the primary.
    // As postgres over the primary's socket: pg_switch_wal is the superuser's.
    const superSql = (sql: string): string =>
      execFileSync('runuser', ['-u', 'postgres', '--', 'psql', '-X', '-q', '-At', '-h', join(oldDir, 'controller', 'run'), '-p', String(c.ports[old - 1]), '-d', 'postgres', '-c', sql], { encoding: 'utf8' }).trim();
    superSql('CREATE TABLE filler AS SELECT repeat(md5(random()::text), 40) AS x FROM generate_series(1, 2000)');
    const segment = superSql('SELECT pg_walfile_name(pg_switch_wal())');
    assert.ok(existsSync(join(oldDir, 'pgdata', 'pg_wal', 'archive_status', `${segment}.ready`)), `${segment} waits for the archiver`);
    const failedBefore = c.lines.length;
    const failover = failOver(c, 120_000);
    failover.catch(() => undefined);
    // The old primary came back, could not archive, and did not rewind meanwhile.
    await c.waitForLine((l) => l.msg === 'former primary: archiving its remaining WAL failed; retrying before the rewind', 60_000);
    assert.equal(c.lines.slice(failedBefore).some((l) => l.msg === 'former primary: rewinding from the new primary'), false, 'no rewind while its WAL is not archived');
    await s3.start();
    const r = await failover;
    t.diagnostic(`kill -9 -> every instance streaming again (the store down for part of it): ${r.streamingMs} ms`);
    const archived = c.lines.slice(failedBefore).find((l) => l.msg === 'former primary: its remaining WAL files archived');
    assert.ok(archived !== undefined && Number(archived.files) >= 1, 'the old primary archived its .ready files');
    assert.equal(await barmanRestore(s3, join(restored, segment), NAME, NAME, segment), 0, `${segment} is in the object store`);
    // The promoted replica was cloned before the first archive: it must not carry the empty-archive check with it.
    const refused = c.lines.filter((l) => JSON.stringify(l).includes('is not empty'));
    assert.deepEqual(refused, [], 'the new primary archives into its own cluster\'s archive');
    const conf = readFileSync(join(oldDir, 'controller', 'tmp', 'pg_rewind.conf'), 'utf8');
    assert.match(conf, /^restore_command = '.*wal-restore.*--rewind.* %f %p'$/m, 'pg_rewind read restore_command for --restore-target-wal');
  } finally {
    const stopped = await c.stop();
    await s3.stop();
    rmSync(c.dir, { recursive: true, force: true });
    rmSync(restored, { recursive: true, force: true });
    if (stopped.code !== 0) t.diagnostic(`local-cluster exited ${String(stopped.code ?? stopped.signal)}: ${c.stderr()}`);
  }
});
