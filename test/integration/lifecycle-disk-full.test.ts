// A real, small file system: the manager runs in a private mount namespace (unshare --mount) where its state
// folder, and so PGDATA and pg_wal, is a 128 MiB tmpfs. The test fills it through /proc/<pid>/root (the
// manager's view of the mounts), forces a new WAL segment so postgres PANICs, and checks that the manager says
// which volume is full and how full (log, cnpg_pg_volume_* metrics), holds the start while there is no room
// for a WAL segment instead of giving up after five tries, and starts postgres again once space is freed.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, fstatSync, ftruncateSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { join } from 'node:path';
import { manifest, PG_BIN, startManager, tempDir, type LogLine, type ManagerHandle } from '../helpers/manager.js';
import { samples, scrape } from '../helpers/metrics-scrape.js';
import { cleanupDir } from '../helpers/lifecycle-procs.js';

const MiB = 1024 * 1024;
const SIZE = 128 * MiB;
const READY = (l: LogLine): boolean => l.msg === 'instance ready';

function skipReason(): string | false {
  if (process.getuid?.() !== 0) return 'needs root: unshare --mount and mount -t tmpfs';
  const probe = spawnSync('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', 'mount -t tmpfs -o size=1m pgim-probe /mnt'], { encoding: 'utf8' });
  return probe.status === 0 ? false : `cannot mount a tmpfs in a private mount namespace: ${probe.stderr.trim()}`;
}

/** Fills the file system holding `folder` with one ballast file, then gives back `leaveBytes`; returns its path. */
function fill(folder: string, leaveBytes: number): string {
  const ballast = join(folder, 'ballast');
  const fd = openSync(ballast, 'w');
  const chunk = Buffer.alloc(MiB, 1);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  }
  ftruncateSync(fd, Math.max(0, fstatSync(fd).size - leaveBytes));
  closeSync(fd);
  return ballast;
}

async function volumeMetrics(h: ManagerHandle): Promise<{ free: number; total: number }> {
  const m = samples((await scrape(h.metricsPort)).body);
  return { free: Number(m.get('cnpg_pg_volume_free_bytes{volume="wal"}')), total: Number(m.get('cnpg_pg_volume_total_bytes{volume="wal"}')) };
}

describe('lifecycle: a full disk', { skip: skipReason() }, () => {
  const dirs: string[] = [];
  const handles: ManagerHandle[] = [];
  after(async () => {
    for (const h of handles) await h.stop(10_000);
    for (const d of dirs) await cleanupDir(d);
  });

  test('a full WAL volume is named in the log and metrics, the start waits, and postgres starts once space is freed', async () => {
    const dir = tempDir('pgim-lc-disk-');
    dirs.push(dir);
    const stateDir = join(dir, 'state');
    mkdirSync(stateDir);
    // The command after the prefix is `sh -c SCRIPT <stateDir> node ...`: mount the tmpfs, then exec the manager.
    const prefix = ['unshare', '--mount', '--propagation', 'private', 'sh', '-c', `mount -t tmpfs -o size=${SIZE},mode=0755 pgim-disk-full "$0" && exec "$@"`, stateDir];
    const h = await startManager({ dir, manifestText: manifest('t1'), prefix });
    handles.push(h);
    await h.waitForLine(READY, 90_000, 'instance ready');
    // The manager's own view of the mounts: its pid is the unshare'd shell it exec'd into.
    const inside = (p: string): string => join(`/proc/${h.proc.pid ?? 0}/root`, p);
    const before = await volumeMetrics(h);
    assert.equal(before.total, SIZE, 'cnpg_pg_volume_total_bytes is the tmpfs size');
    assert.ok(before.free > 16 * MiB && before.free < SIZE, `free bytes ${before.free}`);

    // Less than one WAL segment left: the watcher says so for both volumes (one file system here).
    const ballast = fill(inside(stateDir), 4 * MiB);
    await h.waitForLine((l) => l.msg === 'wal volume full: writes fail until space is freed', 20_000, 'the WAL volume reported full');
    const full = await volumeMetrics(h);
    assert.ok(full.free < 16 * MiB, `cnpg_pg_volume_free_bytes{volume="wal"} is ${full.free}`);

    // A new WAL segment cannot be created: postgres PANICs, and its restart finds no room either.
    // As the superuser over the socket, from inside the manager's mount namespace (pg_switch_wal needs it).
    const psql = (sql: string): void => {
      spawnSync('nsenter', ['--target', String(h.proc.pid), '--mount', 'runuser', '-u', 'postgres', '--', join(PG_BIN, 'psql'), '-X', '-h', join(stateDir, 'controller', 'run'), '-p', String(h.port), '-d', 'postgres', '-c', sql], { encoding: 'utf8', timeout: 30_000 });
    };
    psql('CREATE TABLE filler (x int); INSERT INTO filler VALUES (1)');
    psql('SELECT pg_catalog.pg_switch_wal()');
    psql('INSERT INTO filler VALUES (2)');
    const held = await h.waitForLine((l) => l.msg === 'WAL volume full: postgres starts once space is freed', 60_000, 'the start held for WAL space');
    assert.equal(held.volume, 'wal');
    assert.ok(Number(held.freeBytes) < 16 * MiB && Number(held.usedPercent) > 90, JSON.stringify(held));
    // It keeps waiting (the old code gave up after five tries in ~15 s): still alive after more than that.
    const outcome = await Promise.race([h.exited.then(() => 'exited'), delay(16_000, 'still running')]);
    assert.equal(outcome, 'still running', `stderr: ${h.stderr().slice(-500)}`);

    rmSync(ballast);
    await h.waitForLine((l) => l.msg === 'WAL volume has space again: starting postgres', 30_000, 'space again');
    await h.waitForLine((l) => READY(l) && h.lines.indexOf(l) > h.lines.indexOf(held), 90_000, 'instance ready after space returned');
    assert.ok((await volumeMetrics(h)).free > 16 * MiB);
    assert.equal((await h.stop()).code, 0);
  });
});
