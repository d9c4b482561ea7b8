import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Probes, type LifecycleView } from '../../../src/status/probes.js';
import type { LifecyclePhase } from '../../../src/supervisor/lifecycle.js';
import type { Pool } from '../../../src/db/pool.js';
import { HttpError } from '../../../src/status/respond.js';

function fakeLifecycle(phase: LifecyclePhase, opts: { pm?: boolean; ready?: boolean; tick?: number } = {}): LifecycleView {
  return {
    phase: () => phase,
    current: () => (opts.pm === false ? undefined : { pid: 1 }),
    isReady: () => opts.ready ?? true,
    lastTick: () => opts.tick ?? 0,
  };
}

function probes(lifecycle: LifecycleView, now: () => number, extra: Partial<ConstructorParameters<typeof Probes>[0]> = {}): Probes {
  // No postgres here: a socket dir that does not exist makes pg_isready answer "no response".
  return new Probes({
    lifecycle,
    cluster: () => undefined,
    target: { socketDir: '/nonexistent-socket-dir', port: 1 },
    pool: () => ({ query: () => Promise.reject(new Error('no pool in this test')) }) as unknown as Pool,
    deadlineMs: 500,
    now,
    ...extra,
  });
}

async function failure(p: Promise<string>): Promise<HttpError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  assert.ok(err instanceof HttpError, `expected an HttpError, got ${String(err)}`);
  return err;
}

test('liveness: OK while the loop beats; 500 when a phase outlasts its budget', async () => {
  assert.equal(await probes(fakeLifecycle('running', { tick: 1000 }), () => 2000).liveness(), 'OK');
  const stuck = await failure(probes(fakeLifecycle('running', { tick: 0 }), () => 31_000).liveness());
  assert.equal(stuck.status, 500);
  assert.match(stuck.message, /liveness check failed: supervisor loop stuck in phase running/);
  // Starting may take the whole startDelay (3600 s by default).
  assert.equal(await probes(fakeLifecycle('starting', { tick: 0 }), () => 3_000_000).liveness(), 'OK');
  await failure(probes(fakeLifecycle('post-start', { tick: 0 }), () => 301_000).liveness());
});

test('liveness: a postmaster gone while the loop says running fails after a grace period', async () => {
  let now = 10_000;
  const p = probes(fakeLifecycle('running', { pm: false, tick: 10_000 }), () => now);
  assert.equal(await p.liveness(), 'OK');
  now = 16_000;
  const err = await failure(p.liveness());
  assert.match(err.message, /postmaster is gone/);
  // Restarting in place is not a liveness failure.
  assert.equal(await probes(fakeLifecycle('restarting', { pm: false, tick: 10_000 }), () => 20_000).liveness(), 'OK');
});

test('liveness: the isolation hook can fail it (primary isolation, kube issue)', async () => {
  const cluster = { name: 'c' } as never;
  const p = probes(fakeLifecycle('running', { tick: 1 }), () => 2, { cluster: () => cluster, isolationCheck: () => Promise.resolve('cannot reach any other instance') });
  assert.match((await failure(p.liveness())).message, /liveness check failed: cannot reach any other instance/);
  const hung = probes(fakeLifecycle('running', { tick: 1 }), () => 2, { cluster: () => cluster, isolationCheck: () => new Promise(() => undefined) });
  assert.match((await failure(hung.liveness())).message, /isolation check did not answer/);
});

test('readiness: 500 "instance is not ready yet" without a ready postmaster or before post-start work ends', async () => {
  for (const lc of [fakeLifecycle('starting', { ready: false }), fakeLifecycle('post-start', { ready: true }), fakeLifecycle('running', { ready: false })]) {
    const err = await failure(probes(lc, Date.now).readiness());
    assert.equal(err.message, 'instance is not ready yet');
  }
  const err = await failure(probes(fakeLifecycle('running'), Date.now).readiness());
  assert.match(err.message, /readiness check failed: postgres does not answer/);
});

test('startup: skipped while restarting or stopping; fails when postgres does not answer', async () => {
  assert.equal(await probes(fakeLifecycle('restarting'), Date.now).startup(), 'Skipped');
  assert.equal(await probes(fakeLifecycle('stopping'), Date.now).startup(), 'Skipped');
  const err = await failure(probes(fakeLifecycle('starting'), Date.now).startup());
  assert.match(err.message, /startup check failed/);
});

test('query strategy uses the pool, bounded by the deadline', async () => {
  const cluster = { spec: { probes: { readiness: { type: 'query' }, startup: { type: 'query' } } } } as never;
  const hanging = probes(fakeLifecycle('running'), Date.now, { cluster: () => cluster, pool: () => ({ query: () => new Promise(() => undefined) }) as unknown as Pool });
  const started = Date.now();
  const err = await failure(hanging.readiness());
  assert.equal(err.code, 'TIMEOUT');
  assert.ok(Date.now() - started < 1500);
  const ok = probes(fakeLifecycle('running'), Date.now, { cluster: () => cluster, pool: () => ({ query: () => Promise.resolve({ rows: [] }) }) as unknown as Pool });
  assert.equal(await ok.readiness(), 'OK');
});
