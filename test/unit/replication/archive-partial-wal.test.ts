// The demoted primary's last segment archived as `.partial`: a hard link handed to the archiver, then removed
// whether or not the archive worked; a REDO WAL file that is not a segment name is refused before anything.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { archivePartialWal } from '../../../src/replication/archive-partial-wal.js';

const SEGMENT = '000000010000000000000005';

function pgData(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pgim-partial-'));
  mkdirSync(join(dir, 'pg_wal'));
  writeFileSync(join(dir, 'pg_wal', SEGMENT), 'shutdown checkpoint');
  return dir;
}

test('the segment is archived under its .partial name with its bytes, and the link is gone afterwards', async () => {
  const dir = pgData();
  try {
    const seen: [string, string][] = [];
    const name = await archivePartialWal(dir, SEGMENT, (n) => Promise.resolve(void seen.push([n, readFileSync(join(dir, 'pg_wal', n), 'utf8')])));
    assert.equal(name, `${SEGMENT}.partial`);
    assert.deepEqual(seen, [[`${SEGMENT}.partial`, 'shutdown checkpoint']]);
    assert.deepEqual(readdirSync(join(dir, 'pg_wal')), [SEGMENT]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a failed archive leaves no link behind, and a link left by an interrupted try does not block the next one', async () => {
  const dir = pgData();
  try {
    writeFileSync(join(dir, 'pg_wal', `${SEGMENT}.partial`), 'left over');
    await assert.rejects(archivePartialWal(dir, SEGMENT, () => Promise.reject(new Error('store down'))), /store down/);
    assert.equal(existsSync(join(dir, 'pg_wal', `${SEGMENT}.partial`)), false);
    await assert.rejects(archivePartialWal(dir, '', () => Promise.resolve()), /REDO WAL file is not a WAL segment name: ""/);
    assert.equal(readFileSync(join(dir, 'pg_wal', SEGMENT), 'utf8'), 'shutdown checkpoint', 'the segment itself is untouched');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
