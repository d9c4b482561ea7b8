// postmaster.pid handling: a postmaster left running by a killed manager is adopted by the next one (not
// started twice), and a stale postmaster.pid whose pid is gone or reused is cleaned so postgres starts.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startManager, tempDir, type LogLine, type ManagerHandle } from '../helpers/manager.js';
import { cleanupDir, procInfo, waitUntil } from '../helpers/lifecycle-procs.js';
import { ownerQuery } from '../helpers/lifecycle-writer.js';

const READY = (l: LogLine): boolean => l.msg === 'instance ready';

function pidFromFile(h: ManagerHandle): number {
  return Number(readFileSync(join(h.stateDir, 'pgdata', 'postmaster.pid'), 'utf8').split('\n')[0]);
}

describe('lifecycle: postmaster.pid', () => {
  const dirs: string[] = [];
  const handles: ManagerHandle[] = [];
  after(async () => {
    for (const h of handles) await h.stop(10_000);
    for (const d of dirs) await cleanupDir(d);
  });

  test('a live postmaster left by a killed manager is adopted, served and stopped', async () => {
    const dir = tempDir('pgim-adopt-');
    dirs.push(dir);
    const first = await startManager({ dir });
    handles.push(first);
    await first.waitForLine(READY, 60_000, 'instance ready');
    const pm = pidFromFile(first);
    first.proc.kill('SIGKILL');
    await first.exited;
    assert.equal(procInfo(pm)?.state !== undefined, true, 'postgres survives the manager (own session)');

    const second = await startManager({ dir, port: first.port });
    handles.push(second);
    await second.waitForLine((l) => l.msg === 'adopting the running postmaster' && l.pid === pm, 30_000, 'adoption');
    await second.waitForLine(READY, 30_000, 'instance ready');
    assert.equal(second.lines.some((l) => l.msg === 'postmaster started'), false, 'no second postmaster');
    const res = await ownerQuery<{ one: number }>(second, 'SELECT 1 AS one');
    assert.equal(res.rows[0]?.one, 1);

    const { code } = await second.stop(30_000);
    assert.equal(code, 0);
    await waitUntil(() => procInfo(pm) === undefined || procInfo(pm)?.state === 'Z', 10_000, 'the adopted postmaster to stop');
  });

  test('a stale postmaster.pid (pid gone, or reused by another program) is removed and postgres starts', async () => {
    const dir = tempDir('pgim-stale-');
    dirs.push(dir);
    const first = await startManager({ dir });
    handles.push(first);
    await first.waitForLine(READY, 60_000, 'instance ready');
    assert.equal((await first.stop(30_000)).code, 0);
    const pidFile = join(first.stateDir, 'pgdata', 'postmaster.pid');
    // Our own test runner is alive and is not postgres: exactly the "pid reused" case of a container restart.
    writeFileSync(pidFile, `${process.pid}\n${join(first.stateDir, 'pgdata')}\n0\n${first.port}\n\n\n\nready\n`);

    const second = await startManager({ dir, port: first.port });
    handles.push(second);
    await second.waitForLine((l) => l.msg === 'removing stale postmaster.pid', 30_000, 'stale pid cleanup');
    await second.waitForLine(READY, 60_000, 'instance ready');
    assert.notEqual(pidFromFile(second), process.pid);
  });

  test('a stale postmaster.pid whose pid is now another cluster\'s postmaster: that cluster is left alone', async () => {
    const dir = tempDir('pgim-foreign-');
    const otherDir = tempDir('pgim-other-');
    dirs.push(dir, otherDir);
    const first = await startManager({ dir });
    handles.push(first);
    await first.waitForLine(READY, 60_000, 'instance ready');
    assert.equal((await first.stop(30_000)).code, 0);
    // Another cluster of the same OS user, as the distribution's own cluster after a reboot.
    const other = await startManager({ dir: otherDir });
    handles.push(other);
    await other.waitForLine(READY, 60_000, 'the other instance ready');
    const otherPm = pidFromFile(other);
    const pidFile = join(first.stateDir, 'pgdata', 'postmaster.pid');
    // As the crash left it: our data directory on line 2, a pid that now belongs to the other postmaster.
    writeFileSync(pidFile, `${otherPm}\n${join(first.stateDir, 'pgdata')}\n0\n${first.port}\n\n\n\nready\n`);

    const second = await startManager({ dir, port: first.port });
    handles.push(second);
    const stale = await second.waitForLine((l) => l.msg === 'removing stale postmaster.pid', 30_000, 'stale pid cleanup');
    assert.match(String(stale.reason), /another data directory/);
    await second.waitForLine(READY, 60_000, 'instance ready');
    assert.equal(second.lines.some((l) => l.msg === 'adopting the running postmaster'), false);
    assert.notEqual(pidFromFile(second), otherPm);
    const { code } = await second.stop(30_000);
    assert.equal(code, 0);
    // The other cluster never got a shutdown request and still serves.
    assert.ok(procInfo(otherPm) !== undefined && procInfo(otherPm)?.state !== 'Z', 'the other postmaster is gone');
    assert.equal(other.lines.some((l) => /shutdown request/.test(String(l.msg ?? '')) || l.msg === 'postmaster exited unexpectedly'), false);
    const res = await ownerQuery<{ one: number }>(other, 'SELECT 1 AS one');
    assert.equal(res.rows[0]?.one, 1);
  });
});
