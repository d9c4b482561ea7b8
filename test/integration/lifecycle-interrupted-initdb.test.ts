// A start interrupted during initdb: a signal to the manager alone (not its process group, as `kill <pid>`
// sends it) ends initdb too and is logged; and leftover `.pgdata.initdb-*` folders (from a manager killed
// outright, whose initdb ran on) are removed by the next start unless a live process uses one.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chownSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { manifest, startManager, tempDir, type LogLine, type ManagerHandle } from '../helpers/manager.js';
import { cleanupDir, cmdline, descendants, waitUntil } from '../helpers/lifecycle-procs.js';

const INITDB_STARTED = (l: LogLine): boolean => l.msg === 'initdb started';
const READY = (l: LogLine): boolean => l.msg === 'instance ready';

/** Live initdb processes working on `dir` (any parent: an orphaned one is reparented away from the manager). */
function initdbsIn(dir: string): number[] {
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .map(Number)
    .filter((pid) => /(^|\/)initdb /.test(cmdline(pid)) && cmdline(pid).includes(dir));
}

function leftovers(stateDir: string): string[] {
  return readdirSync(stateDir).filter((n) => n.startsWith('.pgdata.initdb-'));
}

// Waits until initdb runs under the manager (a child of its own), so the signal lands mid-initdb.
async function duringInitdb(h: ManagerHandle): Promise<number> {
  await h.waitForLine(INITDB_STARTED, 30_000, 'initdb started');
  return waitUntil(() => descendants(h.proc.pid ?? 0).find((p) => p.comm === 'initdb')?.pid, 10_000, 'an initdb child of the manager');
}

describe('lifecycle: interrupted initdb', () => {
  const dirs: string[] = [];
  const handles: ManagerHandle[] = [];
  after(async () => {
    for (const h of handles) await h.stop(10_000);
    for (const d of dirs) await cleanupDir(d);
  });

  test('SIGTERM to the manager alone during initdb ends initdb, removes its folder and says so', async () => {
    const dir = tempDir('pgim-lc-initdb-term-');
    dirs.push(dir);
    const h = await startManager({ dir, manifestText: manifest('t1') });
    handles.push(h);
    await duringInitdb(h);
    h.proc.kill('SIGTERM');
    const exit = await h.exited;
    assert.notEqual(exit.signal, 'SIGTERM', 'the manager handled the signal instead of dying of it');
    assert.ok(
      h.lines.some((l) => (l.level === 'error' || l.level === 'warning') && /initdb interrupted by a stop request/.test(String((l.err as { message?: string } | undefined)?.message ?? l.msg))),
      `the interruption is logged; lines: ${JSON.stringify(h.lines.slice(-3))}`,
    );
    assert.deepEqual(await waitUntil(() => (initdbsIn(dir).length === 0 ? [] : false), 10_000, 'no initdb left').catch(() => initdbsIn(dir)), []);
    assert.deepEqual(leftovers(h.stateDir), [], 'no .pgdata.initdb-* folder left behind');
  });

  test('the next start removes .pgdata.initdb-* leftovers no process uses, keeps one in use, and reaches ready', async () => {
    const dir = tempDir('pgim-lc-initdb-left-');
    dirs.push(dir);
    const first = await startManager({ dir, manifestText: manifest('t1') });
    handles.push(first);
    await first.waitForLine(READY, 60_000, 'instance ready (first start)');
    assert.equal((await first.stop()).code, 0);
    // What a manager killed outright leaves (its initdb ran on, or was killed mid-way), owned as initdb made it.
    const owner = statSync(join(first.stateDir, 'pgdata'));
    const plant = (name: string): string => {
      const path = join(first.stateDir, name);
      mkdirSync(join(path, 'base', '1'), { recursive: true });
      writeFileSync(join(path, 'base', '1', '1259'), Buffer.alloc(64 * 1024));
      for (const p of [path, join(path, 'base'), join(path, 'base', '1'), join(path, 'base', '1', '1259')]) chownSync(p, owner.uid, owner.gid);
      return path;
    };
    const stale = plant('.pgdata.initdb-0badc0de');
    const busy = plant('.pgdata.initdb-1badc0de');
    // A live process of the same user working inside one (as initdb's single-user postgres does): that one stays.
    const user = spawn('sleep', ['60'], { cwd: join(busy, 'base'), stdio: 'ignore', uid: owner.uid, gid: owner.gid });
    try {
      const second = await startManager({ dir });
      handles.push(second);
      await second.waitForLine(READY, 60_000, 'instance ready (second start)');
      const removed = second.lines.filter((l) => l.msg === 'removed the leftover of an interrupted initdb').map((l) => l.path);
      assert.deepEqual(removed, [stale], 'the unused leftover is removed, with a log line');
      assert.ok(second.lines.some((l) => l.msg === 'leftover of an interrupted initdb is still in use: left in place' && l.path === busy));
      assert.deepEqual(leftovers(second.stateDir), ['.pgdata.initdb-1badc0de']);
    } finally {
      user.kill('SIGKILL');
    }
  });

});
