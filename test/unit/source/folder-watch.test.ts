// The inotify wake-up behind the embedded default's change check: which events wake it, that a change made
// while nobody waits is kept for the next wait, and that the poll still ends a wait when nothing happens.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FolderWatch } from '../../../src/source/folder-watch.js';

/** Milliseconds that `next()` took. */
async function timed(w: FolderWatch, pollMs: number, signal = new AbortController().signal): Promise<number> {
  const started = performance.now();
  await w.next(pollMs, signal);
  return performance.now() - started;
}

test('a filtered folder wakes only for its file (and kubelet `..` entries); other names wait for the poll', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pgim-folderwatch-'));
  const w = new FolderWatch();
  try {
    w.set(new Map([[dir, ['cluster.yaml']]]));
    const other = timed(w, 400);
    writeFileSync(join(dir, 'notes.txt'), 'x');
    writeFileSync(join(dir, '.cluster.yaml.swp'), 'x');
    assert.ok((await other) >= 380, 'not woken by other files');
    const mine = timed(w, 5_000);
    writeFileSync(join(dir, 'cluster.yaml.tmp'), 'y');
    renameSync(join(dir, 'cluster.yaml.tmp'), join(dir, 'cluster.yaml'));
    assert.ok((await mine) < 1_000, 'woken by the rename onto the manifest');
    const kubelet = timed(w, 5_000);
    mkdirSync(join(dir, '..2026_12_02'));
    symlinkSync('..2026_12_02', join(dir, '..data_tmp'));
    renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
    assert.ok((await kubelet) < 1_000, 'woken by the ..data swap');
  } finally {
    w.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a change while nobody waits is kept for the next wait; set() drops folders no longer listed', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pgim-folderwatch-'));
  const sub = join(dir, 'secret');
  mkdirSync(sub);
  const w = new FolderWatch();
  try {
    w.set(new Map([[dir, 'all'], [sub, 'all']]));
    assert.deepEqual(w.folders().sort(), [dir, sub].sort());
    writeFileSync(join(sub, 'password'), 'one');
    await new Promise((r) => setTimeout(r, 50));
    assert.ok((await timed(w, 5_000)) < 1_000, 'the earlier change ends the wait at once');
    assert.ok((await timed(w, 300)) >= 280, 'and only once');
    w.set(new Map([[dir, 'all']]));
    assert.deepEqual(w.folders(), [dir]);
    const dropped = timed(w, 400);
    writeFileSync(join(sub, 'password'), 'two');
    assert.ok((await dropped) >= 380, 'a folder no longer watched does not wake');
    w.set(new Map([[join(dir, 'missing'), 'all']]));
    assert.deepEqual(w.folders(), [], 'a missing folder is left to the poll');
    const aborted = new AbortController();
    for (let i = 0; i < 20; i++) await w.next(1, aborted.signal);
    assert.equal(getEventListeners(aborted.signal, 'abort').length, 0, 'no listener left by finished waits');
    const waiting = timed(w, 60_000, aborted.signal);
    aborted.abort();
    assert.ok((await waiting) < 1_000, 'abort ends the wait');
  } finally {
    w.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('quiet() waits until no change has arrived for its whole period: each change starts it again', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pgim-folderwatch-'));
  const w = new FolderWatch();
  try {
    w.set(new Map([[dir, ['cluster.yaml']]]));
    const started = performance.now();
    const quiet = w.quiet(300, new AbortController().signal);
    let writes = 0;
    const writer = setInterval(() => {
      writeFileSync(join(dir, 'cluster.yaml'), `write ${++writes}`);
      if (writes === 6) clearInterval(writer);
    }, 40);
    await quiet;
    assert.equal(writes, 6, 'not quiet while the writes went on');
    assert.ok(performance.now() - started >= 520, `quiet after the last write: ${Math.round(performance.now() - started)} ms`);
  } finally {
    w.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
