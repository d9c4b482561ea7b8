import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createRootLogger } from '../../../src/log/logger.js';
import { shortOfSpace, type VolumeSpace } from '../../../src/supervisor/volume-space.js';
import { watchVolumes } from '../../../src/supervisor/volume-watch.js';

const MiB = 1024 ** 2;

test('a volume filling up and freed again is logged once each way, naming the volume and how full', async () => {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n')) if (l) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  // pgdata fills at the third check and is freed at the sixth; wal always has room.
  const pgdataFree = [40, 30, 1, 0, 0, 50, 50, 50].map((n) => n * MiB);
  let checks = 0;
  const stop = new AbortController();
  const read = (): Promise<VolumeSpace[]> => {
    const free = pgdataFree.at(Math.min(checks, pgdataFree.length - 1)) ?? 0;
    if (++checks === pgdataFree.length) stop.abort();
    return Promise.resolve([
      { volume: 'pgdata', path: '/d', freeBytes: free, totalBytes: 64 * MiB },
      { volume: 'wal', path: '/d/pg_wal', freeBytes: 500 * MiB, totalBytes: 1000 * MiB },
    ]);
  };
  await watchVolumes({ pgData: '/d', log: createRootLogger({ level: 'info', destination }), intervalMs: 1, read }, stop.signal);
  assert.deepEqual(
    lines.map((l) => [l.msg, l.volume, l.freeBytes, l.usedPercent]),
    [
      ['pgdata volume full: writes fail until space is freed', 'pgdata', 1 * MiB, 98.4],
      ['pgdata volume has space again', 'pgdata', 50 * MiB, 21.9],
    ],
  );
});

test('shortOfSpace names the WAL volume first', () => {
  const spaces: VolumeSpace[] = [
    { volume: 'pgdata', path: '/d', freeBytes: 0, totalBytes: 1 },
    { volume: 'wal', path: '/w', freeBytes: 0, totalBytes: 1 },
  ];
  assert.equal(shortOfSpace(spaces)?.volume, 'wal');
  assert.equal(shortOfSpace([{ volume: 'pgdata', path: '/d', freeBytes: 20 * MiB, totalBytes: 64 * MiB }]), undefined);
});
