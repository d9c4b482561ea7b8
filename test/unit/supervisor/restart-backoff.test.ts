import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nextRestart, RESTART_BACKOFF } from '../../../src/supervisor/restart-backoff.js';

test('failures in a row: at once, then 100 ms doubling up to the 10 s cap', () => {
  const delays: number[] = [];
  let failures = 0;
  for (let i = 0; i < 10; i++) {
    const d = nextRestart(failures, 0);
    delays.push(d.delayMs);
    failures = d.failures;
  }
  assert.deepEqual(delays, [0, 100, 200, 400, 800, 1600, 3200, 6400, 10_000, 10_000]);
  assert.equal(failures, 10);
});

test('a postmaster ready for resetAfterReadyMs resets the count; a shorter one does not', () => {
  const table: { failures: number; servedMs: number; delayMs: number; next: number }[] = [
    { failures: 9, servedMs: RESTART_BACKOFF.resetAfterReadyMs, delayMs: 0, next: 1 },
    { failures: 9, servedMs: RESTART_BACKOFF.resetAfterReadyMs + 50_000, delayMs: 0, next: 1 },
    { failures: 9, servedMs: RESTART_BACKOFF.resetAfterReadyMs - 1, delayMs: 10_000, next: 10 },
    { failures: 2, servedMs: 5_000, delayMs: 200, next: 3 },
    { failures: 0, servedMs: 0, delayMs: 0, next: 1 },
    { failures: 1000, servedMs: 0, delayMs: 10_000, next: 1001 },
  ];
  for (const row of table) {
    assert.deepEqual(nextRestart(row.failures, row.servedMs), { delayMs: row.delayMs, failures: row.next }, JSON.stringify(row));
  }
});

test('the policy is a parameter', () => {
  const policy = { initialMs: 10, maxMs: 25, resetAfterReadyMs: 50 };
  assert.deepEqual([1, 2, 3].map((f) => nextRestart(f, 0, policy).delayMs), [10, 20, 25]);
  assert.equal(nextRestart(3, 50, policy).delayMs, 0);
});
