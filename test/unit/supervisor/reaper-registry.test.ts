// The reaper must never steal the exit status of a child Node waits for. These tests hammer reapNow()
// while Node's own children exit, and include a control showing the theft is real when unprotected.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as nextTurn, setTimeout as delay } from 'node:timers/promises';
import { pino } from 'pino';
import { createChildRegistry, type ChildRegistry } from '../../../src/supervisor/child-registry.js';
import { readProcStat } from '../../../src/supervisor/proc-stat.js';
import { createReaper } from '../../../src/supervisor/reaper.js';
import { runToCompletion } from '../../../src/supervisor/run-to-completion.js';
import { spawnProcess, type SpawnedProcess } from '../../../src/supervisor/spawn.js';

const log = pino({ level: 'silent' });
const RUNS = 50;

function exitSeven(registry: ChildRegistry): Promise<SpawnedProcess> {
  return spawnProcess('sh', ['-c', 'exit 7'], { registry, stdout: 'ignore', stderr: 'ignore' });
}

/**
 * Calls reapNow() in a tight synchronous loop (libuv cannot run in between) until the child is seen as a
 * zombie, then a few more times: every one of those scans saw the zombie. Returns the reaped count.
 */
function hammerUntilZombie(reapNow: () => number, pid: number): { reaped: number; sawZombie: boolean } {
  const deadline = Date.now() + 2000;
  let reaped = 0;
  let extra = -1;
  while (Date.now() < deadline && extra < 3 && reaped === 0) {
    reaped += reapNow();
    if (extra >= 0) extra += 1;
    else if (readProcStat('/proc', pid)?.state === 'Z') extra = 0;
  }
  return { reaped, sawZombie: extra >= 0 };
}

test('registered children keep their exit status while reapNow() hammers (registry alone, no grace)', async () => {
  const registry = createChildRegistry();
  const reaper = createReaper({ registry, log, graceTurns: 0 });
  for (let i = 0; i < RUNS; i++) {
    const child = await exitSeven(registry);
    assert.ok(registry.has(child.pid), 'registered before spawnProcess resolves');
    const { reaped, sawZombie } = hammerUntilZombie(() => reaper.reapNow(), child.pid);
    if (reaped > 0) child.subprocess.unref(); // stolen: libuv would wait forever, do not hang the test
    assert.equal(reaped, 0);
    assert.ok(sawZombie, 'the scans saw the child as a zombie');
    assert.deepEqual(await child.exited, { exitCode: 7, signal: null });
    assert.equal(registry.has(child.pid), false, 'unregistered once Node observed the exit');
  }
  // Interleaved with the event loop too: scans between libuv's SIGCHLD handling.
  for (let i = 0; i < RUNS; i++) {
    const child = await exitSeven(registry);
    let done = false;
    const exited = child.exited.finally(() => (done = true));
    while (!done) {
      if (reaper.reapNow() > 0) child.subprocess.unref();
      assert.equal(reaper.stats().reaped, 0, 'stole a child Node waits for');
      await nextTurn();
    }
    assert.deepEqual(await exited, { exitCode: 7, signal: null });
  }
  assert.equal(reaper.stats().reaped, 0);
  assert.equal(registry.size(), 0);
});

test('short tools run through execa keep their exit status while the reaper scans every turn', async () => {
  const registry = createChildRegistry();
  const reaper = createReaper({ registry, log, graceTurns: 0 });
  for (let i = 0; i < RUNS; i++) {
    let done = false;
    const result = runToCompletion('sh', ['-c', 'exit 7'], { registry, timeoutMs: 5000 }).finally(() => (done = true));
    while (!done) {
      reaper.reapNow();
      assert.equal(reaper.stats().reaped, 0, 'stole a tool execa waits for');
      await nextTurn();
    }
    assert.equal((await result).exitCode, 7);
  }
  assert.equal(registry.size(), 0);
});

test('control: an unregistered child with no grace IS stolen, and Node never sees its exit', async () => {
  const reaper = createReaper({ registry: createChildRegistry(), log, graceTurns: 0 });
  const child = await exitSeven(createChildRegistry()); // registered elsewhere: invisible to this reaper
  const { reaped } = hammerUntilZombie(() => reaper.reapNow(), child.pid);
  assert.equal(reaped, 1, 'the reaper took the exit status');
  const outcome = await Promise.race([child.exited, delay(300, 'no exit event')]);
  assert.equal(outcome, 'no exit event');
  child.subprocess.unref(); // libuv will wait forever for this pid; do not keep the test alive
});

test('grace turns protect even an unregistered child (spawned outside spawn.ts)', async () => {
  const reaper = createReaper({ registry: createChildRegistry(), log });
  let zombieScans = 0;
  for (let i = 0; i < RUNS; i++) {
    const child = await exitSeven(createChildRegistry());
    const { reaped, sawZombie } = hammerUntilZombie(() => reaper.reapNow(), child.pid);
    if (reaped > 0) child.subprocess.unref();
    if (sawZombie) zombieScans += 1;
    assert.equal(reaped, 0, 'no event-loop turn passed: still within the grace');
    let done = false;
    const exited = child.exited.finally(() => (done = true));
    while (!done) {
      if (reaper.reapNow() > 0) child.subprocess.unref();
      assert.equal(reaper.stats().reaped, 0, 'stole a child Node waits for');
      await nextTurn();
    }
    assert.deepEqual(await exited, { exitCode: 7, signal: null });
  }
  assert.equal(zombieScans, RUNS);
  assert.equal(reaper.stats().reaped, 0);
});
