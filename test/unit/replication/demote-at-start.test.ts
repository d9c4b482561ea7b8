// A former primary's start with a fake rewind: the old postgres processes gone first, then (with an object
// store) its .ready WAL archived; a failing archive is retried and neither rewinds nor clones again, which
// would move that WAL aside with the old PGDATA; pg_rewind's configuration carries the restore_command.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { archiveReadyWal, readyWalFiles } from '../../../src/replication/archive-ready-wal.js';
import { demoteAtStart, type DemoteAtStartOptions } from '../../../src/replication/demote-at-start.js';
import type { Cluster } from '../../../src/spec/cluster.js';
import { captureLogger } from '../log/capture-logger.js';

const CLUSTER = { name: 'pg', spec: {}, status: { instanceNames: ['pg-1', 'pg-2'], targetPrimary: 'pg-2', currentPrimary: 'pg-2' } } as unknown as Cluster;

/** pg-1, a primary on disk, reading `cluster`; the rest of the options per test. */
function formerPrimary(dir: string, pgData: string, cluster: Cluster): Pick<DemoteAtStartOptions, 'me' | 'pgData' | 'log' | 'roleOnDisk' | 'load' | 'configFile'> {
  return { me: 'pg-1', pgData, log: captureLogger().root, roleOnDisk: () => Promise.resolve('primary'), load: () => Promise.resolve(cluster), configFile: join(dir, 'pg_rewind.conf') };
}

test('old processes waited for, .ready WAL archived (failures retried, never re-cloned), then one rewind', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pgim-demote-'));
  const pgData = join(dir, 'pgdata');
  mkdirSync(join(pgData, 'global'), { recursive: true });
  writeFileSync(join(pgData, 'global', 'pg_control'), 'control');
  writeFileSync(join(pgData, 'postgresql.conf'), "port = 5432\n");
  const calls: string[] = [];
  let leftovers = 2;
  let archiveFailures = 2;
  try {
    const result = await demoteAtStart(
      {
        ...formerPrimary(dir, pgData, CLUSTER),
        oldPostmasterGone: () => Promise.resolve(leftovers-- > 0 ? (calls.push('old processes'), 'pid 42') : undefined),
        archiveReady: () => {
          calls.push('archive');
          return archiveFailures-- > 0 ? Promise.reject(new Error('store down')) : Promise.resolve(3);
        },
        restoreCommand: () => "manager wal-restore --rewind %f %p",
        rewind: () => (calls.push('rewind'), Promise.resolve({ kind: 'done' })),
        reclone: () => (calls.push('reclone'), Promise.resolve()),
        retryMs: 1,
        maxRetries: 1,
      },
      new AbortController().signal,
    );
    assert.equal(result.outcome, 'rewound');
    assert.deepEqual(calls, ['old processes', 'old processes', 'archive', 'archive', 'archive', 'rewind']);
    assert.match(readFileSync(join(dir, 'pg_rewind.conf'), 'utf8'), /^restore_command = 'manager wal-restore --rewind %f %p'$/m);
    assert.equal(readFileSync(join(pgData, 'standby.signal'), 'utf8'), '');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('archiveReadyWal: every .ready file in name order, each marked .done once stored; a failure stops there', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pgim-ready-'));
  const status = join(dir, 'pg_wal', 'archive_status');
  mkdirSync(status, { recursive: true });
  for (const f of ['000000010000000000000005.ready', '000000010000000000000003.ready', '000000010000000000000004.done', '00000002.history.ready']) writeFileSync(join(status, f), '');
  try {
    const stored: string[] = [];
    await assert.rejects(archiveReadyWal(dir, (n) => (n.endsWith('05') ? Promise.reject(new Error('down')) : Promise.resolve(void stored.push(n)))), /down/);
    assert.deepEqual(stored, ['000000010000000000000003']);
    assert.deepEqual(readdirSync(status).sort(), ['000000010000000000000003.done', '000000010000000000000004.done', '000000010000000000000005.ready', '00000002.history.ready']);
    assert.deepEqual(await archiveReadyWal(dir, () => Promise.resolve()), ['000000010000000000000005', '00000002.history']);
    assert.deepEqual(await readyWalFiles(dir), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a former primary follows a target whose promotion is not reported yet, without pg_rewind, once its WAL is archived', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pgim-follow-'));
  const pgData = join(dir, 'pgdata');
  mkdirSync(pgData, { recursive: true });
  const calls: string[] = [];
  let promoted = false;
  let archiveFailures = 1;
  // The operator has named pg-2; pg-2 has not reported its promotion (currentPrimary is still this instance).
  const waiting = { ...CLUSTER, status: { ...CLUSTER.status, currentPrimary: 'pg-1' } } as unknown as Cluster;
  try {
    const result = await demoteAtStart(
      {
        ...formerPrimary(dir, pgData, waiting),
        oldPostmasterGone: () => Promise.resolve(undefined),
        archiveReady: () => (calls.push('archive'), archiveFailures-- > 0 ? Promise.reject(new Error('store down')) : Promise.resolve(0)),
        // The first probes find the target still on the old timeline; then its history proves the promotion.
        followsAsIs: (source) => {
          calls.push(`probe ${source}`);
          const answer = promoted;
          promoted = true;
          return Promise.resolve(answer);
        },
        rewind: () => (calls.push('rewind'), Promise.resolve({ kind: 'done' })),
        reclone: () => (calls.push('reclone'), Promise.resolve()),
        retryMs: 1,
        pollMs: 1,
      },
      new AbortController().signal,
    );
    assert.equal(result.outcome, 'followed');
    assert.equal(result.cluster.status.currentPrimary, 'pg-2', 'the files are written to follow pg-2');
    assert.equal(waiting.status.currentPrimary, 'pg-1', 'the Cluster read is not changed');
    assert.deepEqual(calls, ['probe pg-2', 'probe pg-2', 'archive', 'probe pg-2', 'archive']);
    assert.equal(readFileSync(join(pgData, 'standby.signal'), 'utf8'), '');
    assert.equal(readdirSync(dir).includes('pg_rewind.conf'), false, 'pg_rewind was not prepared');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a primary demoted into a replica cluster archives its last WAL (a failure retried) before it reports its token, then marks itself a standby', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pgim-demote-rc-'));
  const pgData = join(dir, 'pgdata');
  mkdirSync(pgData, { recursive: true });
  const cluster = { name: 'pg', spec: { replica: { enabled: true, source: 'other' } }, status: { instanceNames: ['pg-1'], targetPrimary: 'pg-1', currentPrimary: 'pg-1' } } as unknown as Cluster;
  const calls: string[] = [];
  let failures = 1;
  try {
    const result = await demoteAtStart(
      {
        ...formerPrimary(dir, pgData, cluster),
        archiveLast: () => (calls.push('archive last'), failures-- > 0 ? Promise.reject(new Error('store down')) : Promise.resolve('000000010000000000000005.partial')),
        demotionToken: () => (calls.push('token'), Promise.resolve()),
        rewind: () => (calls.push('rewind'), Promise.resolve({ kind: 'done' })),
        reclone: () => (calls.push('reclone'), Promise.resolve()),
        retryMs: 1,
      },
      new AbortController().signal,
    );
    assert.equal(result.outcome, 'demoted');
    assert.deepEqual(calls, ['archive last', 'archive last', 'token']);
    assert.equal(readFileSync(join(pgData, 'standby.signal'), 'utf8'), '');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
