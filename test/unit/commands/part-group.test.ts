// The part group of `instance run`, with hand-written parts: start order, readiness, stop order on a stop
// request and on a failure, the failing part named in the outcome, one-shot steps between parts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PartGroup, type Part } from '../../../src/commands/part-group.js';
import { captureLogger } from '../log/capture-logger.js';

interface Script {
  events: string[];
  part(name: string, stopOrder: number, o?: { readyAfter?: Promise<void>; failWith?: Promise<Error>; exitCode?: number }): Part;
}

function script(): Script {
  const events: string[] = [];
  return {
    events,
    part: (name, stopOrder, o = {}) => ({
      name,
      stopOrder,
      exitCode: o.exitCode ?? 1,
      async start(signal, ready) {
        events.push(`start ${name}`);
        await o.readyAfter;
        ready();
        events.push(`ready ${name}`);
        const stopped = new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
        const failed = o.failWith?.then((err) => Promise.reject(err));
        await Promise.race([stopped, ...(failed ? [failed] : [])]);
        // A part's own shutdown takes a turn of the event loop, as a real one does.
        await new Promise((r) => setImmediate(r));
        events.push(`stopped ${name}`);
      },
    }),
  };
}

test('parts start one after another, each once the previous is ready, and stop in stopOrder', async () => {
  const s = script();
  const stop = new AbortController();
  const group = new PartGroup(captureLogger().root, stop.signal);
  let release: () => void = () => undefined;
  const slow = new Promise<void>((r) => (release = r));
  const first = group.start(s.part('pipes', 4, { readyAfter: slow }));
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(s.events, ['start pipes'], 'the next part waits for the first to be ready');
  release();
  assert.equal(await first, true);
  await group.start(s.part('postmaster', 1));
  await group.start(s.part('servers', 2));
  await group.start(s.part('watch', 0));
  stop.abort('SIGTERM');
  const outcome = await group.wait();
  assert.deepEqual(outcome, { kind: 'stopped', reason: 'SIGTERM' });
  assert.deepEqual(s.events.filter((e) => e.startsWith('stopped')), ['stopped watch', 'stopped postmaster', 'stopped servers', 'stopped pipes']);
});

test('a failing part stops the others and is named with its exit code', async () => {
  const s = script();
  const group = new PartGroup(captureLogger().root, new AbortController().signal);
  let fail: (e: Error) => void = () => undefined;
  await group.start(s.part('reaper', 3));
  await group.start(s.part('postmaster', 1, { exitCode: 1, failWith: new Promise((r) => (fail = r)) }));
  await group.start(s.part('servers', 2, { exitCode: 13 }));
  fail(new Error('postmaster exited unexpectedly'));
  const outcome = await group.wait();
  assert.equal(outcome.kind, 'failed');
  assert.equal(outcome.kind === 'failed' && outcome.part.name, 'postmaster');
  assert.equal(outcome.kind === 'failed' && (outcome.error as Error).message, 'postmaster exited unexpectedly');
  // The failed part is gone already; the others stop in their order.
  assert.deepEqual(s.events.filter((e) => e.startsWith('stopped')), ['stopped servers', 'stopped reaper']);
});

test('a part that ends without being asked to is a failure', async () => {
  const group = new PartGroup(captureLogger().root, new AbortController().signal);
  await group.start({ name: 'metrics', stopOrder: 2, exitCode: 13, start: (_signal, ready) => Promise.resolve(ready()) });
  const outcome = await group.wait();
  assert.equal(outcome.kind === 'failed' && outcome.part.exitCode, 13);
  assert.match(outcome.kind === 'failed' ? String(outcome.error) : '', /metrics ended on its own/);
});

test('a part failing before it is ready ends the group; later parts are not started', async () => {
  const s = script();
  const group = new PartGroup(captureLogger().root, new AbortController().signal);
  const started = await group.start({ name: 'log-pipes', stopOrder: 4, exitCode: 11, start: () => Promise.reject(new Error('FIFO')) });
  assert.equal(started, false);
  assert.equal(await group.start(s.part('postmaster', 1)), false);
  assert.deepEqual(s.events, []);
  const outcome = await group.wait();
  assert.equal(outcome.kind === 'failed' && outcome.part.name, 'log-pipes');
});

test('a one-shot step runs with the parts; a stop aborts its signal and the parts stop only after it returned', async () => {
  const s = script();
  const stop = new AbortController();
  const group = new PartGroup(captureLogger().root, stop.signal);
  await group.start(s.part('pipes', 4));
  const step = group.during('bootstrap', 10, async (signal) => {
    await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    s.events.push('bootstrap saw the abort');
    await new Promise((r) => setTimeout(r, 20));
    s.events.push('bootstrap returned');
    return 'postmaster handle';
  });
  stop.abort('SIGINT');
  assert.equal(await step, 'postmaster handle');
  await group.wait();
  assert.deepEqual(s.events.slice(-3), ['bootstrap saw the abort', 'bootstrap returned', 'stopped pipes']);
  assert.equal(group.ended, true);
});

test('a failing one-shot step ends the group with its exit code', async () => {
  const group = new PartGroup(captureLogger().root, new AbortController().signal);
  const result = await group.during('bootstrap', 10, () => Promise.reject(new Error('initdb failed')));
  assert.equal(result, undefined);
  const outcome = await group.wait();
  assert.equal(outcome.kind === 'failed' && outcome.part.exitCode, 10);
  assert.equal(outcome.kind === 'failed' && outcome.part.name, 'bootstrap');
});
