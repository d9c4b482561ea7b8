// kill -9 of the postmaster while a client commits. Local mode (restart): logged, restarted in place,
// writable again within seconds, no acknowledged commit lost, the dead backends reaped. Container mode
// (--on-postmaster-exit exit): the manager exits 1 and leaves nothing running.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startManager, tempDir, type LogLine, type ManagerHandle } from '../helpers/manager.js';
import { cleanupDir, descendants, procInfo, stillPresent, waitNoneMentioning, waitUntil, type ProcInfo } from '../helpers/lifecycle-procs.js';
import { idsIn, ownerQuery, startWriter } from '../helpers/lifecycle-writer.js';

const READY = (l: LogLine): boolean => l.msg === 'instance ready';
const CRASH_LOGGED = (l: LogLine): boolean => l.msg === 'postmaster exited unexpectedly';
const WRITABLE_WITHIN_MS = 10_000;

// The postmaster's pid from the last "postmaster started" line, cross-checked with postmaster.pid and /proc.
function postmasterPid(h: ManagerHandle): number {
  const started = h.lines.filter((l) => l.msg === 'postmaster started').at(-1);
  const pid = Number(started?.pid);
  assert.ok(Number.isInteger(pid) && pid > 0, 'a "postmaster started" line with a pid');
  const fromFile = Number(readFileSync(join(h.stateDir, 'pgdata', 'postmaster.pid'), 'utf8').split('\n')[0]);
  assert.equal(fromFile, pid, 'postmaster.pid names the same process');
  assert.equal(procInfo(pid)?.ppid, h.proc.pid, 'the postmaster is a child of the manager');
  return pid;
}

// Everything still alive from a snapshot, zombies excluded (they are PID 1's once the manager is gone).
async function liveAfter(snapshot: readonly ProcInfo[], timeoutMs: number): Promise<ProcInfo[]> {
  const live = (): ProcInfo[] => stillPresent(snapshot).filter((p) => p.state !== 'Z');
  return waitUntil(() => (live().length === 0 ? [] : false), timeoutMs, 'the old processes to end').catch(live);
}

describe('lifecycle: postmaster crash', () => {
  const dirs: string[] = [];
  const handles: ManagerHandle[] = [];
  after(async () => {
    for (const h of handles) await h.stop(10_000);
    for (const d of dirs) await cleanupDir(d);
  });

  test('local mode: restarted in place, writable within seconds, no acknowledged commit lost', async (t) => {
    const dir = tempDir('pgim-lc-crash-');
    dirs.push(dir);
    const h = await startManager({ dir });
    handles.push(h);
    await h.waitForLine(READY, 60_000, 'instance ready');
    await ownerQuery(h, 'CREATE TABLE w (id bigint PRIMARY KEY)');
    const writer = await startWriter(h, 'w');
    await writer.waitForAcked(50);

    const pm = postmasterPid(h);
    const old = [procInfo(pm), ...descendants(pm)].filter((p): p is ProcInfo => p !== undefined);
    const killedAt = Date.now();
    process.kill(pm, 'SIGKILL');

    await h.waitForLine(CRASH_LOGGED, 10_000, '"postmaster exited unexpectedly"');
    const writableMs = await waitUntil(async () => {
      await ownerQuery(h, 'INSERT INTO w (id) VALUES (-1)');
      return Date.now() - killedAt;
    }, WRITABLE_WITHIN_MS, 'an INSERT on a new connection', 50);
    t.diagnostic(`kill -9 -> writable on a new connection: ${writableMs} ms`);

    await writer.done;
    assert.ok(writer.failure(), 'the writer session died with the postmaster');
    const ids = await idsIn(h, 'w');
    const missing = writer.acked.filter((id) => !ids.has(id));
    assert.deepEqual(missing, [], `all ${writer.acked.length} acknowledged ids survived the crash`);

    const restarted = postmasterPid(h);
    assert.notEqual(restarted, pm, 'a new postmaster runs');
    // The manager is a child subreaper: the killed postmaster's orphans come to it and must not stay zombies.
    const leftovers = await waitUntil(() => (stillPresent(old).length === 0 ? [] : false), 2000, 'the old postgres processes to be reaped').catch(() => stillPresent(old));
    assert.deepEqual(leftovers, [], 'no process of the killed postmaster is left, not even as a zombie');
    // Orphans are reparented to the manager: none may stay a zombie there. (A backend that has just exited
    // is briefly a zombie of the new postmaster, which reaps it itself: that is not ours to check.)
    const managerZombies = (): ProcInfo[] => descendants(h.proc.pid ?? 0).filter((p) => p.state === 'Z' && p.ppid === h.proc.pid);
    const zombies = await waitUntil(() => (managerZombies().length === 0 ? [] : false), 2000, 'no zombie under the manager').catch(managerZombies);
    assert.deepEqual(zombies, [], 'no zombie left with the manager as parent');

    assert.deepEqual(await h.stop(30_000), { code: 0, signal: null });
    assert.deepEqual(await waitNoneMentioning(dir, 2000), []);
  });

  test('container mode: exit code 1 and no postgres left', async (t) => {
    const dir = tempDir('pgim-lc-crash-exit-');
    dirs.push(dir);
    const h = await startManager({ dir, extraArgs: ['--on-postmaster-exit', 'exit'] });
    handles.push(h);
    await h.waitForLine(READY, 60_000, 'instance ready');
    await ownerQuery(h, 'CREATE TABLE w (id bigint PRIMARY KEY)');
    const writer = await startWriter(h, 'w');
    await writer.waitForAcked(20);

    const pm = postmasterPid(h);
    const tree = descendants(h.proc.pid ?? 0);
    const killedAt = Date.now();
    process.kill(pm, 'SIGKILL');
    let timer: NodeJS.Timeout | undefined;
    const exit = await Promise.race([
      h.exited,
      new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), 15_000);
      }),
    ]);
    clearTimeout(timer);
    t.diagnostic(`kill -9 -> manager exit: ${Date.now() - killedAt} ms`);
    assert.deepEqual(exit, { code: 1, signal: null }, `manager exit; stderr: ${h.stderr().slice(-1000)}`);
    assert.ok(h.lines.some(CRASH_LOGGED), 'the crash was logged');
    await writer.done;
    assert.deepEqual(await liveAfter(tree, 2000), [], 'no postgres process is still running');
    assert.deepEqual(await waitNoneMentioning(dir, 2000), [], `no process mentions ${dir}`);
  });
});
