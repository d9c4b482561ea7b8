import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, stat, writeFile, chmod, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { writeFileAtomic } from '../../../src/files/write-file-atomic.js';

async function scratch(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'pgfiles-atomic-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function mode(path: string): Promise<number> {
  return (await stat(path)).mode & 0o777;
}

test('changed is true on the first write and false when the bytes are the same', async (t) => {
  const dir = await scratch(t);
  const path = join(dir, 'pg_hba.conf');
  assert.deepEqual(await writeFileAtomic(path, 'one\n', 0o600), { path, changed: true });
  assert.deepEqual(await writeFileAtomic(path, Buffer.from('one\n'), 0o600), { path, changed: false });
  assert.deepEqual(await writeFileAtomic(path, 'two\n', 0o600), { path, changed: true });
  assert.equal(await readFile(path, 'utf8'), 'two\n');
  assert.deepEqual(await readdir(dir), ['pg_hba.conf'], 'no temp files left behind');
});

test('mode 0600 is enforced on new files, on rewrites and on unchanged files', async (t) => {
  const dir = await scratch(t);
  const path = join(dir, 'pgpass');
  const oldMask = process.umask(0);
  try {
    await writeFileAtomic(path, 'x', 0o600);
  } finally {
    process.umask(oldMask);
  }
  assert.equal(await mode(path), 0o600);
  await chmod(path, 0o644);
  assert.equal((await writeFileAtomic(path, 'x', 0o600)).changed, false);
  assert.equal(await mode(path), 0o600, 'unchanged content still gets the mode back');
  await writeFile(path, 'y', { mode: 0o644 });
  await chmod(path, 0o644);
  await writeFileAtomic(path, 'z', 0o600);
  assert.equal(await mode(path), 0o600);
});

test('the parent directory is created 0700 when missing', async (t) => {
  const dir = await scratch(t);
  const path = join(dir, 'external', 'server-a', 'pgpass');
  await writeFileAtomic(path, 'h:1:*:u:p', 0o600);
  assert.equal(await mode(join(dir, 'external', 'server-a')), 0o700);
  assert.equal(await readFile(path, 'utf8'), 'h:1:*:u:p');
});

test('a failed rename leaves no temp file behind', async (t) => {
  const dir = await scratch(t);
  const path = join(dir, 'target');
  await mkdir(join(path, 'occupied'), { recursive: true });
  await assert.rejects(writeFileAtomic(path, 'content', 0o600));
  assert.deepEqual(await readdir(dir), ['target']);
});

// A reader thread loops over the target while the main thread rewrites it many times; every read must be
// exactly the old or the new content. Files are large so a non-atomic write would be caught mid-way.
const READER = `
const { parentPort, workerData } = require('node:worker_threads');
const { readFileSync } = require('node:fs');
const a = Buffer.alloc(workerData.sizeA, 'a');
const b = Buffer.alloc(workerData.sizeB, 'b');
const stop = new Int32Array(workerData.stop);
let reads = 0, torn = 0, sawA = 0, sawB = 0;
while (Atomics.load(stop, 0) === 0) {
  const got = readFileSync(workerData.path);
  reads++;
  if (got.equals(a)) sawA++; else if (got.equals(b)) sawB++; else torn++;
}
parentPort.postMessage({ reads, torn, sawA, sawB });
`;

test('readers only ever see complete old or new content', async (t) => {
  const dir = await scratch(t);
  const path = join(dir, 'custom.conf');
  const sizeA = 1 << 20;
  const sizeB = (1 << 20) + 4096;
  const a = Buffer.alloc(sizeA, 'a');
  const b = Buffer.alloc(sizeB, 'b');
  await writeFileAtomic(path, a, 0o600);
  const stop = new SharedArrayBuffer(4);
  const worker = new Worker(READER, { eval: true, workerData: { path, sizeA, sizeB, stop } });
  const result = new Promise<{ reads: number; torn: number; sawA: number; sawB: number }>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  for (let i = 0; i < 60; i++) {
    assert.equal((await writeFileAtomic(path, i % 2 === 0 ? b : a, 0o600)).changed, true);
  }
  Atomics.store(new Int32Array(stop), 0, 1);
  const { reads, torn, sawA, sawB } = await result;
  await worker.terminate();
  assert.equal(torn, 0, `torn reads out of ${reads}`);
  assert.ok(sawA > 0 && sawB > 0, `reader saw both versions (a=${sawA}, b=${sawB})`);
  assert.deepEqual(await readdir(dir), ['custom.conf'], 'no temp files left behind');
});
