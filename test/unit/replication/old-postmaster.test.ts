// The wait before a former primary's rewind: a process working in PGDATA (what every postgres child of the
// killed postmaster is until it notices) keeps it waiting; once it is gone the stale postmaster.pid is removed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FAST_STOP_MS, clearOldPostmaster, processesInDataDir } from '../../../src/replication/old-postmaster.js';

// PGDATA with a postmaster.pid naming a pid that cannot be a live postgres (above the kernel's pid_max), and a
// process named postgres (comm is the executable's file name) working in it, as a killed postmaster's backend is.
async function deadPostmasterWithChild(): Promise<{ dir: string; pgData: string; child: ReturnType<typeof spawn> }> {
  const dir = mkdtempSync(join(tmpdir(), 'pgim-oldpm-'));
  const pgData = join(dir, 'pgdata');
  mkdirSync(pgData);
  writeFileSync(join(pgData, 'postmaster.pid'), `99999999\n${pgData}\n`);
  copyFileSync('/bin/sleep', join(dir, 'postgres'));
  chmodSync(join(dir, 'postgres'), 0o755);
  const child = spawn(join(dir, 'postgres'), ['60'], { cwd: pgData, stdio: 'ignore' });
  await new Promise((resolve) => child.once('spawn', resolve));
  return { dir, pgData, child };
}

test('a process left in PGDATA is waited for; then the stale postmaster.pid goes', async () => {
  const { dir, pgData, child } = await deadPostmasterWithChild();
  // A process of another name working there (a user's shell) does not count.
  const shell = spawn('/bin/sleep', ['60'], { cwd: pgData, stdio: 'ignore' });
  try {
    assert.deepEqual(await processesInDataDir(pgData), [child.pid]);
    const left = await clearOldPostmaster(pgData, join(dir, 'run'), new Map());
    assert.ok(left?.includes(`still run (${String(child.pid)})`), left);
    assert.ok(existsSync(join(pgData, 'postmaster.pid')), 'kept while something of the old instance runs');
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    assert.equal(await clearOldPostmaster(pgData, join(dir, 'run'), new Map()), undefined);
    assert.equal(existsSync(join(pgData, 'postmaster.pid')), false);
  } finally {
    child.kill('SIGKILL');
    shell.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a live old postmaster that ignores the fast shutdown gets an immediate one after FAST_STOP_MS', { timeout: 10_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pgim-oldpm-'));
  const pgData = join(dir, 'pgdata');
  mkdirSync(pgData);
  // A "postmaster" (its command name is the script's file name) that ignores SIGINT, as one busy in a long
  // shutdown checkpoint would, and dies of SIGQUIT.
  writeFileSync(join(dir, 'postgres'), "#!/bin/sh\ntrap '' INT\nwhile :; do sleep 0.05; done\n", { mode: 0o755 });
  const pm = spawn(join(dir, 'postgres'), [], { cwd: pgData, stdio: 'ignore' });
  try {
    await new Promise((resolve) => pm.once('spawn', resolve));
    writeFileSync(join(pgData, 'postmaster.pid'), `${String(pm.pid)}\n${pgData}\n`);
    const asked = new Map<number, number>();
    const t0 = Date.now();
    assert.match((await clearOldPostmaster(pgData, join(dir, 'run'), asked, t0)) ?? '', /fast shutdown requested/);
    assert.match((await clearOldPostmaster(pgData, join(dir, 'run'), asked, t0 + FAST_STOP_MS - 1)) ?? '', /fast shutdown requested/);
    assert.equal(pm.exitCode, null, 'SIGINT ignored: still running');
    const exited = new Promise<NodeJS.Signals | null>((resolve) => pm.once('exit', (_code, signal) => resolve(signal)));
    assert.match((await clearOldPostmaster(pgData, join(dir, 'run'), asked, t0 + FAST_STOP_MS)) ?? '', /immediate shutdown requested/);
    assert.equal(await exited, 'SIGQUIT');
  } finally {
    pm.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a child of a dead postmaster still working in PGDATA after FAST_STOP_MS is killed', { timeout: 10_000 }, async () => {
  const { dir, pgData, child: orphan } = await deadPostmasterWithChild();
  try {
    const asked = new Map<number, number>();
    const t0 = Date.now();
    assert.match((await clearOldPostmaster(pgData, join(dir, 'run'), asked, t0)) ?? '', /still run \(/);
    assert.match((await clearOldPostmaster(pgData, join(dir, 'run'), asked, t0 + FAST_STOP_MS - 1)) ?? '', /still run \(/);
    const exited = new Promise<NodeJS.Signals | null>((resolve) => orphan.once('exit', (_code, sig) => resolve(sig)));
    assert.match((await clearOldPostmaster(pgData, join(dir, 'run'), asked, t0 + FAST_STOP_MS)) ?? '', /killed \(/);
    assert.equal(await exited, 'SIGKILL');
  } finally {
    orphan.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});
