// Cost of the reaper with many processes (like many backends), and SIGCHLD burst coalescing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { pino } from 'pino';
import { createChildRegistry } from '../../../src/supervisor/child-registry.js';
import { createReaper } from '../../../src/supervisor/reaper.js';
import { spawnProcess, type SpawnedProcess } from '../../../src/supervisor/spawn.js';

const log = pino({ level: 'silent' });

async function spawnSleepers(count: number, registry = createChildRegistry()): Promise<SpawnedProcess[]> {
  const children: SpawnedProcess[] = [];
  for (let i = 0; i < count; i++) {
    children.push(await spawnProcess('sleep', ['30'], { registry, stdout: 'ignore', stderr: 'ignore' }));
  }
  return children;
}

// Timing is reported, not asserted (speed targets live in benchmarks, never in timed tests): the test
// checks that a scan over 100+ live, registered children reaps none of them.
test('a /proc scan with 100+ registered children reaps none of them (cost reported)', async (t) => {
  const registry = createChildRegistry();
  const children = await spawnSleepers(100, registry);
  try {
    const processes = readdirSync('/proc').filter((n) => /^\d+$/.test(n)).length;
    const reaper = createReaper({ registry, log });
    let reaped = reaper.reapNow(); // warm up
    const samples: number[] = [];
    for (let i = 0; i < 50; i++) {
      const start = process.hrtime.bigint();
      reaped += reaper.reapNow();
      samples.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
    samples.sort((a, b) => a - b);
    const median = samples[25] ?? Number.NaN;
    t.diagnostic(`${processes} processes in /proc: median scan ${median.toFixed(3)} ms, max ${samples.at(-1)?.toFixed(3)} ms`);
    assert.ok(processes >= 100);
    assert.equal(reaped, 0, 'live registered children are never reaped');
  } finally {
    for (const c of children) c.subprocess.kill('SIGKILL');
    await Promise.all(children.map((c) => c.exited));
  }
});

test('a burst of 100 SIGCHLDs is coalesced into a few scans, and Node still sees every exit', async (t) => {
  const registry = createChildRegistry();
  const reaper = createReaper({ registry, log, subreaper: true, intervalMs: 60_000 });
  const stop = new AbortController();
  const running = reaper.start(stop.signal);
  try {
    const children = await spawnSleepers(100, registry);
    await delay(50); // let the start-up scan run
    const before = reaper.stats().scans;
    for (const c of children) c.subprocess.kill('SIGKILL');
    const exits = await Promise.all(children.map((c) => c.exited));
    await delay(50);
    assert.deepEqual(new Set(exits.map((e) => e.signal)), new Set(['SIGKILL']));
    const scans = reaper.stats().scans - before;
    t.diagnostic(`${scans} scans for 100 SIGCHLDs`);
    assert.ok(scans >= 1, 'SIGCHLD triggered a scan');
    assert.ok(scans <= 20, `${scans} scans for 100 SIGCHLDs`);
    assert.equal(reaper.stats().reaped, 0);
  } finally {
    stop.abort();
    await running;
  }
});

test('not PID 1 and no subreaper: start() stays idle and resolves on abort', async () => {
  const reaper = createReaper({ registry: createChildRegistry(), log });
  const stop = new AbortController();
  const running = reaper.start(stop.signal);
  const child = await spawnProcess('sh', ['-c', 'exit 0'], { registry: createChildRegistry(), stdout: 'ignore' });
  await child.exited;
  await delay(20);
  assert.equal(reaper.stats().scans, 0, 'no SIGCHLD listener, no timer');
  stop.abort();
  await running;
});
