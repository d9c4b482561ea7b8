// The status file's lock against real concurrent writers: processes that each read-modify-write the same
// file lose no update, and a lock left by a dead process (kill -9 while holding it) does not block anyone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { patchStatusFile, withStatusLock } from '../../../src/source/status-lock.js';

const here = dirname(fileURLToPath(import.meta.url));
const buildDir = resolve(here, '../../..');
const driver = resolve(buildDir, '../test/fixtures/processes/status-patcher.mjs');

function run(args: string[]): Promise<number | null> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [driver, buildDir, ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('error', rej);
    child.on('exit', (code) => res(code));
  });
}

test('four processes patching one status file 50 times each lose no update', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pgim-statuslock-'));
  try {
    const file = join(dir, 'status.json');
    const codes = await Promise.all(['a', 'b', 'c', 'd'].map((k) => run([file, k, '50'])));
    assert.deepEqual(codes, [0, 0, 0, 0]);
    const status = JSON.parse(readFileSync(file, 'utf8')) as { counters: Record<string, number>; total: number };
    assert.deepEqual(status.counters, { a: 50, b: 50, c: 50, d: 50 });
    assert.equal(status.total, 200);
    assert.equal(existsSync(`${file}.lock`), false, 'the lock is released');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a lock whose holder is dead is broken; a live young one is waited for, then reported by name', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pgim-statuslock-'));
  try {
    const file = join(dir, 'status.json');
    writeFileSync(`${file}.lock`, `999999 ${Date.now()}\n`);
    await patchStatusFile(file, { currentPrimary: 'pg-2' }, { alive: () => false });
    assert.equal((JSON.parse(readFileSync(file, 'utf8')) as { currentPrimary: string }).currentPrimary, 'pg-2');
    writeFileSync(`${file}.lock`, `${process.pid} ${Date.now()}\n`);
    await assert.rejects(withStatusLock(file, () => Promise.resolve(), { waitMs: 100 }), /status lock .*status\.json\.lock is held/);
    // Too old to be a real read-modify-write, even with a live pid: stale.
    writeFileSync(`${file}.lock`, `${process.pid} ${Date.now() - 60_000}\n`);
    await patchStatusFile(file, { targetPrimary: 'pg-3' });
    assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), { currentPrimary: 'pg-2', targetPrimary: 'pg-3' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
