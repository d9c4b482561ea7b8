// When the Database passes run: only on a ready primary, at a nudge, with a recheck after a (re)start, and a
// failing pass logged once per streak.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { DatabaseLoop } from '../../../src/databases/database-loop.js';
import { waitUntil } from '../../helpers/config-tree.js';

test('passes run on a ready primary only, a recheck is passed on, and a failing streak is logged once', async () => {
  const passes: boolean[] = [];
  let primary = false;
  let failing = false;
  const errors: string[] = [];
  const log = pino({ level: 'error' }, { write: (line: string) => void errors.push(line) });
  const loop = new DatabaseLoop({
    reconciler: {
      pass: (recheck) => {
        passes.push(recheck);
        return failing ? Promise.reject(new Error('postgres gone')) : Promise.resolve();
      },
    },
    primary: () => primary,
    log,
    retryMs: 60_000,
  });
  const stop = new AbortController();
  const running = loop.run(stop.signal);
  try {
    loop.nudge(true);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(passes, [], 'not a primary: no pass');
    primary = true;
    loop.nudge(true);
    await waitUntil(() => (passes.length === 1 ? true : undefined), 2000, 'the first pass');
    assert.deepEqual(passes, [true], 'the recheck asked before is kept until a pass runs');
    failing = true;
    loop.nudge();
    await waitUntil(() => (passes.length === 2 ? true : undefined), 2000, 'a failing pass');
    loop.nudge();
    await waitUntil(() => (passes.length === 3 ? true : undefined), 2000, 'a second failing pass');
    assert.equal(errors.filter((l) => l.includes('Database pass failed')).length, 1);
  } finally {
    stop.abort();
    await running;
  }
});
