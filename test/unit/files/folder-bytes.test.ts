import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { folderBytes } from '../../../src/files/folder-bytes.js';

test('sums regular files at every depth, leaves out the skipped top-level entries and never follows links', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'folder-bytes-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const outside = await mkdtemp(join(tmpdir(), 'folder-bytes-outside-'));
  t.after(() => rm(outside, { recursive: true, force: true }));
  await writeFile(join(outside, 'big'), Buffer.alloc(100_000));
  await mkdir(join(dir, 'base', '5'), { recursive: true });
  await mkdir(join(dir, 'pg_wal'));
  await writeFile(join(dir, 'PG_VERSION'), '15\n');
  await writeFile(join(dir, 'base', '5', '1259'), Buffer.alloc(8192));
  await writeFile(join(dir, 'base', '5', '1259_fsm'), Buffer.alloc(24_576));
  await writeFile(join(dir, 'pg_wal', '000000010000000000000001'), Buffer.alloc(16_384));
  await symlink(outside, join(dir, 'pg_tblspc_link'));
  await symlink(join(outside, 'big'), join(dir, 'base', 'file_link'));
  assert.equal(await folderBytes(dir, ['pg_wal']), 3 + 8192 + 24_576);
  assert.equal(await folderBytes(dir), 3 + 8192 + 24_576 + 16_384);
});

test('a folder that does not exist (yet) counts as empty', async () => {
  assert.equal(await folderBytes(join(tmpdir(), 'folder-bytes-absent-', String(process.pid))), 0);
});
