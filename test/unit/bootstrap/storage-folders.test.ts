// The pure and file-level parts of the WAL and tablespace folders: tablespace_map lines, a tablespace's name from
// its location, the pg_wal layout check against spec.walStorage, and moving a non-empty folder aside.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { parseTablespaceMap, tablespaceNameOf } from '../../../src/bootstrap/snapshot-copy.js';
import { checkWalLayout } from '../../../src/bootstrap/wal-layout.js';
import { clearFinalPath, tablespaceLocation } from '../../../src/bootstrap/extra-folders.js';

test('tablespace_map lines and names', () => {
  assert.deepEqual(parseTablespaceMap('16384 /var/lib/postgresql/tablespaces/a/data\n16385 /x/b with space/data\n'), [
    { oid: '16384', path: '/var/lib/postgresql/tablespaces/a/data' },
    { oid: '16385', path: '/x/b with space/data' },
  ]);
  assert.throws(() => parseTablespaceMap('nonsense\n'), /not "<oid> <path>"/);
  assert.equal(tablespaceNameOf('/var/lib/postgresql/tablespaces/a/data'), 'a');
  assert.equal(tablespaceNameOf('/srv/tbs/b'), 'b');
  assert.equal(tablespaceLocation('/t', 'a'), '/t/a/data');
});

test('pg_wal against spec.walStorage', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pgim-wal-layout-'));
  try {
    const pgData = join(dir, 'pgdata');
    const pgWal = join(dir, 'pg_wal');
    mkdirSync(join(pgData, 'pg_wal'), { recursive: true });
    await checkWalLayout({ pgData, pgWal, walStorage: false });
    await assert.rejects(checkWalLayout({ pgData, pgWal, walStorage: true }), /spec.walStorage is set but .*pg_wal is a folder inside PGDATA/);
    rmSync(join(pgData, 'pg_wal'), { recursive: true });
    mkdirSync(pgWal);
    symlinkSync(pgWal, join(pgData, 'pg_wal'));
    chmodSync(pgWal, 0o700);
    await checkWalLayout({ pgData, pgWal, walStorage: true });
    chmodSync(pgWal, 0o777);
    await assert.rejects(checkWalLayout({ pgData, pgWal, walStorage: true }), /has mode 777: it must be 0700/);
    chmodSync(pgWal, 0o700);
    await assert.rejects(checkWalLayout({ pgData, pgWal, walStorage: false }), /removing walStorage from a cluster is not supported/);
    await assert.rejects(checkWalLayout({ pgData, pgWal: join(dir, 'other'), walStorage: true }), /start with --pg-wal/);
    rmSync(pgWal, { recursive: true });
    await assert.rejects(checkWalLayout({ pgData, pgWal, walStorage: true }), /missing or not a folder/);
    // No PGDATA yet: nothing to check.
    await checkWalLayout({ pgData: join(dir, 'none'), pgWal, walStorage: true });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a non-empty final folder is moved aside, an empty one is kept', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pgim-aside-'));
  try {
    const log = pino({ level: 'silent' });
    const target = join(dir, 'a', 'data');
    await clearFinalPath(target, 'folder', log);
    mkdirSync(target);
    await clearFinalPath(target, 'folder', log);
    assert.deepEqual(readdirSync(join(dir, 'a')), ['data']);
    writeFileSync(join(target, 'f'), 'x');
    await clearFinalPath(target, 'folder', log);
    const names = readdirSync(join(dir, 'a'));
    assert.equal(names.length, 1);
    assert.match(names[0] ?? '', /^data_\d{14}$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
