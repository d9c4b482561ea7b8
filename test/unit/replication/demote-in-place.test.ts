// The demotion in place with hand-written fakes: a fenced primary always ends its manager; any other demotion
// stops postgres, releases the Lease, runs the former-primary path and only then lets postgres start again; a
// failure, a fence or a stop on the way leaves postgres down and the manager ending (a stop without an error).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { demoteInPlace, demotionPath, type InPlaceOptions } from '../../../src/replication/demote-in-place.js';
import { captureLogger } from '../log/capture-logger.js';

interface Fake {
  options: InPlaceOptions;
  calls: string[];
  log: ReturnType<typeof captureLogger>;
}

function fake(o: { granted?: boolean; fencedAfterStop?: string; prepare?: (signal: AbortSignal) => Promise<void> } = {}): Fake {
  const calls: string[] = [];
  let fenced: string | undefined;
  const log = captureLogger('info');
  return {
    calls,
    log,
    options: {
      log: log.root,
      hold: () => {
        calls.push('hold');
        return Promise.resolve(o.granted === false ? undefined : { mode: 'fast', resume: () => void calls.push('resume') });
      },
      afterStop: () => {
        calls.push('release-lease');
        fenced = o.fencedAfterStop;
        return Promise.resolve();
      },
      fenced: () => fenced,
      prepare: async (signal) => {
        calls.push('prepare');
        await o.prepare?.(signal);
      },
    },
  };
}

test('only a fenced primary ends its manager; every other demotion is tried in place', () => {
  assert.equal(demotionPath(undefined), 'in-place');
  assert.equal(demotionPath('the primary Lease c1 could not be renewed for 10 s'), 'manager-ends');
});

test('in place: postgres stopped, the Lease released, the former-primary path, then postgres starts again', async () => {
  const f = fake();
  assert.equal(await demoteInPlace(f.options, new AbortController().signal), true);
  assert.deepEqual(f.calls, ['hold', 'release-lease', 'prepare', 'resume']);
  assert.ok(f.log.entries().some((l) => l.msg === 'former primary prepared: starting postgres as a replica'));
});

test('a rewind that fails leaves postgres down and ends the manager, with one error line', async () => {
  const f = fake({ prepare: () => Promise.reject(new Error('pg_rewind: could not connect')) });
  assert.equal(await demoteInPlace(f.options, new AbortController().signal), false);
  assert.deepEqual(f.calls, ['hold', 'release-lease', 'prepare']);
  const errors = f.log.entries().filter((l) => l.level === 'error' || l.level === 50);
  assert.equal(errors.length, 1);
  assert.match(String(errors[0]?.msg), /^demotion in place failed/);
  assert.equal(errors[0]?.err, 'pg_rewind: could not connect');
});

test('a stop during the former-primary path: postgres stays down, no error', async () => {
  const stop = new AbortController();
  const f = fake({
    prepare: (signal) => {
      stop.abort('SIGTERM');
      return Promise.reject(signal.reason as Error);
    },
  });
  assert.equal(await demoteInPlace(f.options, stop.signal), false);
  assert.ok(!f.calls.includes('resume'));
  assert.ok(!f.log.entries().some((l) => l.level === 'error' || l.level === 50));
});

test('fenced while stopping, or the supervisor loop already ended: no rewind, postgres stays down', async () => {
  const fenced = fake({ fencedAfterStop: 'the primary Lease c1 is held by c1-3' });
  assert.equal(await demoteInPlace(fenced.options, new AbortController().signal), false);
  assert.deepEqual(fenced.calls, ['hold', 'release-lease']);
  const ended = fake({ granted: false });
  assert.equal(await demoteInPlace(ended.options, new AbortController().signal), false);
  assert.deepEqual(ended.calls, ['hold']);
});
