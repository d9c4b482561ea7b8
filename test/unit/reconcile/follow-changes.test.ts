// followChanges over a scripted source: a failed apply is retried with doubling waits until it succeeds,
// a newer version supersedes the one being retried, and the retry is logged with its wait.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { followChanges } from '../../../src/reconcile/follow-changes.js';
import type { Cluster } from '../../../src/spec/cluster.js';
import { captureLogger } from '../log/capture-logger.js';

const version = (name: string): Cluster => ({ name }) as unknown as Cluster;

test('a failed version is retried with backoff until a newer one supersedes it, which then applies once', async () => {
  const captured = captureLogger();
  const logger = captured.root;
  const lines = (): Record<string, unknown>[] => captured.entries();
  const stop = new AbortController();
  let release: () => void = () => undefined;
  const later = new Promise<void>((resolve) => (release = resolve));
  async function* changes(): AsyncIterable<Cluster> {
    yield version('a');
    await later;
    yield version('b');
    await new Promise((resolve) => stop.signal.addEventListener('abort', resolve, { once: true }));
  }
  const applied: { name: string; at: number }[] = [];
  const started = Date.now();
  const done = followChanges({
    changes: changes(),
    apply: (c) => {
      applied.push({ name: c.name, at: Date.now() - started });
      return Promise.resolve(c.name === 'b');
    },
    log: logger,
    source: () => 'scripted',
    signal: stop.signal,
    minRetryMs: 20,
    maxRetryMs: 80,
  });
  const deadline = Date.now() + 5000;
  while (applied.length < 5 && Date.now() < deadline) await sleep(5);
  release();
  while (!applied.some((a) => a.name === 'b') && Date.now() < deadline) await sleep(5);
  await sleep(200);
  stop.abort();
  await done;
  const names = applied.map((a) => a.name);
  assert.ok(names.slice(0, 5).every((n) => n === 'a'), names.join(','));
  assert.deepEqual(names.filter((n) => n === 'b'), ['b'], 'b applied once, no retry after success');
  assert.equal(names.at(-1), 'b', 'a is not retried after b superseded it');
  // Waits double from 20 ms and stop at 80: the gaps between the first attempts of a grow.
  const gaps = applied.slice(1, 5).map((a, i) => a.at - (applied.at(i)?.at ?? 0));
  assert.ok((gaps[0] ?? 0) >= 15 && (gaps[2] ?? 0) >= 60, `gaps ${gaps.join(', ')}`);
  const waits = lines().filter((l) => l.msg === 'reconcile will be retried').map((l) => l.retryInMs);
  assert.deepEqual(waits.slice(0, 4), [20, 40, 80, 80]);
  assert.equal(lines().filter((l) => l.msg === 'Cluster changed').length, 2, 'one "Cluster changed" per version, none per retry');
});
