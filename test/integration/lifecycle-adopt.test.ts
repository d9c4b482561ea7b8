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
});
