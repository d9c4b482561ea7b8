// The wait before a former primary's rewind: a process working in PGDATA (what every postgres child of the
// killed postmaster is until it notices) keeps it waiting; once it is gone the stale postmaster.pid is removed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clearOldPostmaster, processesInDataDir } from '../../../src/replication/old-postmaster.js';

test('a process left in PGDATA is waited for; then the stale postmaster.pid goes', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pgim-oldpm-'));
  const pgData = join(dir, 'pgdata');
  mkdirSync(pgData);
  // A pid that cannot be a live postgres (the kernel's pid_max is below it).
  writeFileSync(join(pgData, 'postmaster.pid'), `99999999\n${pgData}\n`);
  // A process named postgres (comm is the executable's file name) working in PGDATA, as a killed postmaster's
  // backend is; a process of another name there (a user's shell) does not count.
  copyFileSync('/bin/sleep', join(dir, 'postgres'));
  chmodSync(join(dir, 'postgres'), 0o755);
  const child = spawn(join(dir, 'postgres'), ['60'], { cwd: pgData, stdio: 'ignore' });
  const shell = spawn('/bin/sleep', ['60'], { cwd: pgData, stdio: 'ignore' });
  try {
    await new Promise((resolve) => child.once('spawn', resolve));
    assert.deepEqual(await processesInDataDir(pgData), [child.pid]);
    const left = await clearOldPostmaster(pgData, join(dir, 'run'), new Set());
    assert.ok(left?.includes(`still run (${String(child.pid)})`), left);
    assert.ok(existsSync(join(pgData, 'postmaster.pid')), 'kept while something of the old instance runs');
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    assert.equal(await clearOldPostmaster(pgData, join(dir, 'run'), new Set()), undefined);
    assert.equal(existsSync(join(pgData, 'postmaster.pid')), false);
  } finally {
    child.kill('SIGKILL');
    shell.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});
