// What a pg_rewind failure leads to, the configuration file kept outside PGDATA, and the pg_control guard.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync, existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rewindArgs, rewindOutcome, rewindWroteNothing } from '../../../src/replication/pg-rewind.js';
import { dataPaths } from '../../../src/replication/sync-file-systems.js';
import { dropPgControlCopy, guardPgControl, inlinedConfig } from '../../../src/replication/rewind-files.js';

const CASES: [string, number | null, string, string][] = [
  ['success', 0, 'pg_rewind: Done!', 'done'],
  ['no rewind required', 0, 'pg_rewind: no rewind required', 'done'],
  ['source unreachable: nothing touched', 1, 'pg_rewind: error: could not connect to server: Connection refused', 'retry'],
  ['failed while copying', 1, 'pg_rewind: servers diverged at WAL location 0/3000000 on timeline 1\npg_rewind: rewinding from last common checkpoint at 0/2000060 on timeline 1\npg_rewind: error: could not open file "x": Permission denied', 'reclone'],
  ['WAL gap', 1, 'pg_rewind: error: could not find previous WAL record at 0/2000060', 'reclone'],
];

for (const [name, code, output, kind] of CASES) {
  test(`rewindOutcome: ${name} -> ${kind}`, () => assert.equal(rewindOutcome(code, output).kind, kind));
}

test('only a run that changed nothing skips the sync: no rewind required, without a crash recovery first', () => {
  assert.equal(rewindWroteNothing('pg_rewind: connected to server\npg_rewind: servers diverged at WAL location 0/3000188 on timeline 1\npg_rewind: no rewind required'), true);
  assert.equal(rewindWroteNothing('pg_rewind: executing "postgres" for target server to complete crash recovery\npg_rewind: no rewind required'), false);
  assert.equal(rewindWroteNothing('pg_rewind: rewinding from last common checkpoint at 0/2000060 on timeline 1\npg_rewind: Done!'), false);
});

test('the rewind configuration inlines the files postgresql.conf includes, and pg_control is kept aside', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pgim-rewind-'));
  try {
    writeFileSync(join(dir, 'postgresql.conf'), "max_connections = 100\n# load CloudNativePG custom.conf configuration\ninclude 'custom.conf'\ninclude 'override.conf'\n");
    writeFileSync(join(dir, 'custom.conf'), "port = '5433'\n");
    writeFileSync(join(dir, 'override.conf'), "primary_slot_name = '_cnpg_pg_2'\n");
    const text = await inlinedConfig(dir);
    assert.match(text, /max_connections = 100/);
    assert.match(text, /port = '5433'/);
    assert.match(text, /primary_slot_name/);
    assert.doesNotMatch(text, /^include/m);
    mkdirSync(join(dir, 'global'));
    writeFileSync(join(dir, 'global', 'pg_control'), 'control-bytes');
    await guardPgControl(dir);
    assert.equal(readFileSync(join(dir, 'global', 'pg_control.old'), 'utf8'), 'control-bytes');
    assert.equal(statSync(join(dir, 'global', 'pg_control.old')).mode & 0o777, 0o600);
    truncateSync(join(dir, 'global', 'pg_control'), 0); // a rewind interrupted mid-write
    await guardPgControl(dir);
    assert.equal(readFileSync(join(dir, 'global', 'pg_control'), 'utf8'), 'control-bytes');
    await dropPgControlCopy(dir);
    assert.equal(existsSync(join(dir, 'global', 'pg_control.old')), false);
    truncateSync(join(dir, 'global', 'pg_control'), 0);
    await assert.rejects(guardPgControl(dir), /pg_control is empty and no .*pg_control\.old was kept/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('pg_rewind runs with --no-sync (PGDATA is synced by syncfs afterwards) and its configuration outside PGDATA', () => {
  const args = rewindArgs({ pgData: '/d', sourceConninfo: 'host=h', configFile: '/c/pg_rewind.conf' });
  assert.ok(args.includes('--no-sync'));
  assert.ok(args.includes('--config-file=/c/pg_rewind.conf'));
});

test('dataPaths: PGDATA, pg_wal and every tablespace link, one path per possible file system', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pgim-syncfs-'));
  try {
    mkdirSync(join(dir, 'pg_tblspc'));
    writeFileSync(join(dir, 'pg_tblspc', '16400'), '');
    assert.deepEqual(await dataPaths(dir), [dir, join(dir, 'pg_wal'), join(dir, 'pg_tblspc', '16400')]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
