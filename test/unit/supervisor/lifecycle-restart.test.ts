// The lifecycle loop's restarts against a hand-written fake postmaster (no postgres): the waits it logs are
// the waits it takes, the backoff starts over once a postmaster has served, a full volume holds or retries
// the start instead of counting towards giving up, and a hold (a demotion in place) keeps postgres down until
// it is resumed, or until a stop, which then ends the loop with postgres down; so does fencing, until unfenced.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { ManagerError } from '../../../src/errors.js';
import { createRootLogger } from '../../../src/log/logger.js';
import { createChildRegistry } from '../../../src/supervisor/child-registry.js';
import { FenceSwitch } from '../../../src/supervisor/fence-switch.js';
import { Lifecycle, type LifecycleOptions } from '../../../src/supervisor/lifecycle.js';
import type { Postmaster, PostmasterExit } from '../../../src/supervisor/postmaster.js';
import type { PostmasterControl } from '../../../src/supervisor/postmaster-control.js';
import type { VolumeSpace } from '../../../src/supervisor/volume-space.js';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

/** What each start does: exit during start-up, or become ready and exit after serving `serveMs` (never: Infinity). */
type Step = 'fail-start' | { serveMs: number };

class FakeControl implements PostmasterControl {
  starts: number[] = [];
  exits: number[] = [];
  spaceReads = 0;
  space = { pgdata: GiB, wal: GiB };
  #next = 0;
  constructor(private readonly plan: Step[]) {}

  start(): Promise<Postmaster> {
    this.starts.push(Date.now());
    let done = false;
    let resolve: (e: PostmasterExit) => void = () => undefined;
    const exited = new Promise<PostmasterExit>((r) => (resolve = r));
    const exit = (exitCode: number): void => {
      if (done) return;
      done = true;
      this.exits.push(Date.now());
      resolve({ exitCode, signal: null });
    };
    const pm: Postmaster & { exit: typeof exit } = {
      pid: 1000 + this.starts.length,
      adopted: false,
      exited,
      hasExited: () => done,
      signal: (s) => (s === 'SIGHUP' ? undefined : exit(0)),
      signalGroup: () => undefined,
      exit,
    };
    return Promise.resolve(pm);
  }

  async waitUntilReady(pm: Postmaster): Promise<void> {
    const step = this.plan[Math.min(this.#next++, this.plan.length - 1)] ?? { serveMs: Infinity };
    const fake = pm as Postmaster & { exit: (code: number) => void };
    if (step === 'fail-start') {
      fake.exit(1);
      throw new ManagerError('POSTMASTER', 'postgres exited during start-up (exit code 1)');
    }
    if (Number.isFinite(step.serveMs)) setTimeout(() => fake.exit(2), step.serveMs);
    return Promise.resolve();
  }

  willAdopt(): Promise<boolean> {
    return Promise.resolve(false);
  }

  cleanUpAfterExit(): Promise<Record<string, string>> {
    return Promise.resolve({});
  }

  volumeSpace(): Promise<VolumeSpace[]> {
    this.spaceReads++;
    return Promise.resolve([
      { volume: 'pgdata', path: '/pgdata', freeBytes: this.space.pgdata, totalBytes: 10 * GiB },
      { volume: 'wal', path: '/pgdata/pg_wal', freeBytes: this.space.wal, totalBytes: 10 * GiB },
    ]);
  }
}

function setUp(control: FakeControl, extra: Partial<LifecycleOptions> = {}): { lifecycle: Lifecycle; lines: Record<string, unknown>[]; readies: () => number } {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n')) if (l) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  let readies = 0;
  const lifecycle = new Lifecycle({
    pgBin: '/nonexistent',
    pgData: '/nonexistent',
    socketDir: '/nonexistent',
    registry: createChildRegistry(),
    root: createRootLogger({ level: 'info', destination }),
    policy: 'restart',
    budget: () => ({ smartShutdownTimeout: 1, stopDelay: 2, startDelay: 5 }),
    onReady: () => {
      readies++;
      return Promise.resolve();
    },
    checkpoint: () => Promise.resolve(),
    closeConnections: () => Promise.resolve(),
    control,
    backoff: { initialMs: 50, maxMs: 200, resetAfterReadyMs: 150 },
    ...extra,
  });
  return { lifecycle, lines, readies: () => readies };
}

async function until(probe: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

test('each restart logs the wait it takes, and a postmaster that served resetAfterReadyMs starts the backoff over', async () => {
  const control = new FakeControl(['fail-start', 'fail-start', 'fail-start', 'fail-start', { serveMs: 300 }, { serveMs: 20 }, { serveMs: Infinity }]);
  const { lifecycle, lines, readies } = setUp(control, { maxFailedStarts: 10 });
  const stop = new AbortController();
  const run = lifecycle.run(stop.signal);
  await until(() => readies() === 3, 'the third ready postmaster');
  const waits = lines.filter((l) => l.msg === 'restarting postmaster in place').map((l) => l.backoffMs);
  // 4 failed starts in a row (0, 50, 100, 200 = cap); served 300 ms >= 150: at once; served 20 ms: 50.
  assert.deepEqual(waits, [0, 50, 100, 200, 0, 50]);
  waits.forEach((logged, i) => {
    const gap = (control.starts.at(i + 1) ?? 0) - (control.exits.at(i) ?? 0);
    assert.ok(gap >= Number(logged) - 2, `restart ${i + 1} waited ${gap} ms, logged ${String(logged)}`);
  });
  stop.abort();
  assert.equal(await run, 'smart');
});

test('a full WAL volume holds the start, retrying past maxFailedStarts, until space is freed', async () => {
  const control = new FakeControl([{ serveMs: Infinity }]);
  control.space.wal = 3 * MiB;
  let held = 0;
  const { lifecycle, lines, readies } = setUp(control, { maxFailedStarts: 2, onStartHeld: () => held++ });
  const stop = new AbortController();
  const run = lifecycle.run(stop.signal);
  await until(() => control.spaceReads >= 6, 'six checks of the WAL volume');
  assert.equal(control.starts.length, 0, 'no postmaster is started without room for one WAL segment');
  const full = lines.filter((l) => l.msg === 'WAL volume full: postgres starts once space is freed');
  assert.equal(full.length, 1, 'said once, not at every check');
  assert.deepEqual([full[0]?.volume, full[0]?.freeBytes, full[0]?.totalBytes, full[0]?.usedPercent], ['wal', 3 * MiB, 10 * GiB, 100]);
  assert.ok(held > 0);
  control.space.wal = GiB;
  await until(() => readies() === 1, 'ready once space returned');
  assert.ok(lines.some((l) => l.msg === 'WAL volume has space again: starting postgres'));
  stop.abort();
  assert.equal(await run, 'smart');
});

test("policy 'exit' refuses to start without WAL space: NO_WAL_SPACE (exit code 4)", async () => {
  const control = new FakeControl([{ serveMs: Infinity }]);
  control.space.wal = 3 * MiB;
  const { lifecycle } = setUp(control, { policy: 'exit' });
  await assert.rejects(lifecycle.run(new AbortController().signal), (err: ManagerError) => {
    assert.equal(err.code, 'NO_WAL_SPACE');
    assert.match(err.message, /WAL volume \(\/pgdata\/pg_wal\) has 3145728 of 10737418240 bytes free/);
    return true;
  });
  assert.equal(control.starts.length, 0);
});

test('start-up crashes while a volume is full do not count towards maxFailedStarts, and say which volume', async () => {
  const control = new FakeControl(['fail-start', 'fail-start', 'fail-start', 'fail-start', { serveMs: Infinity }]);
  control.space.pgdata = 1 * MiB;
  const { lifecycle, lines, readies } = setUp(control, { maxFailedStarts: 2 });
  const stop = new AbortController();
  const run = lifecycle.run(stop.signal);
  await until(() => readies() === 1, 'ready after four failed starts');
  const crashes = lines.filter((l) => String(l.msg).startsWith('postmaster exited unexpectedly'));
  assert.equal(crashes.length, 4);
  assert.equal(crashes[0]?.msg, 'postmaster exited unexpectedly; the pgdata volume is full');
  assert.equal((crashes[0]?.volumeFull as { volume?: string } | undefined)?.volume, 'pgdata');
  stop.abort();
  await run;
  // Control: with room on every volume the same crashes give up after maxFailedStarts.
  const counted = new FakeControl(['fail-start', 'fail-start', 'fail-start', { serveMs: Infinity }]);
  await assert.rejects(setUp(counted, { maxFailedStarts: 2 }).lifecycle.run(new AbortController().signal), /exited during start-up/);
  assert.equal(counted.starts.length, 2);
});

test('post-start tasks that fail transiently are retried twice; a third failure stops postgres and fails', async () => {
  let calls = 0;
  const control = new FakeControl([{ serveMs: Infinity }]);
  const { lifecycle, lines } = setUp(control, {
    onReady: () => (++calls < 3 ? Promise.reject(new Error(`connection reset ${calls}`)) : Promise.resolve()),
  });
  const stop = new AbortController();
  const run = lifecycle.run(stop.signal);
  await until(() => calls === 3, 'the third attempt');
  assert.deepEqual(lines.filter((l) => l.msg === 'post-start tasks failed; retrying').map((l) => l.attempt), [1, 2]);
  assert.equal(lifecycle.isReady(), true);
  stop.abort();
  assert.equal(await run, 'smart');

  let failing = 0;
  const second = setUp(new FakeControl([{ serveMs: Infinity }]), { onReady: () => Promise.reject(new Error(`refused ${++failing}`)) });
  await assert.rejects(second.lifecycle.run(new AbortController().signal), /refused 3/);
  assert.ok(second.lines.some((l) => l.msg === 'post-start tasks failed: stopping postgres'));
});

test('a postmaster handed over by the bootstrap step is taken as it is: no start, no WAL check', async () => {
  const control = new FakeControl([{ serveMs: Infinity }]);
  const { lifecycle, readies } = setUp(control);
  const handed = await new FakeControl([]).start();
  const stop = new AbortController();
  const run = lifecycle.run(stop.signal, handed);
  await until(() => readies() === 1, 'ready');
  assert.equal(control.starts.length, 0, 'no postmaster was started');
  assert.equal(control.spaceReads, 0, 'no WAL space check for a running postmaster');
  assert.equal(lifecycle.current(), handed);
  stop.abort();
  assert.equal(await run, 'smart');
  assert.equal(handed.hasExited(), true, 'the handed-over postmaster was stopped');
});

// Lets every pending callback run: what the loop would do unasked, it has done by then.
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
}

test('a hold stops postgres (no CHECKPOINT first when the budget says so) and keeps it down until resumed, then the loop starts it again at once', async () => {
  const control = new FakeControl([{ serveMs: Infinity }]);
  let checkpoints = 0;
  const { lifecycle, lines, readies } = setUp(control, {
    budget: () => ({ smartShutdownTimeout: 0, stopDelay: 2, startDelay: 5, checkpointFirst: false }),
    checkpoint: () => Promise.resolve(void checkpoints++),
  });
  const stop = new AbortController();
  const run = lifecycle.run(stop.signal);
  await until(() => readies() === 1, 'ready');
  const first = lifecycle.current();
  const held = await lifecycle.hold();
  assert.ok(held, 'the hold was granted');
  assert.equal(held.mode, 'fast', 'stopped within the budget in force');
  assert.equal(checkpoints, 0);
  assert.equal(first?.hasExited(), true);
  await settle();
  assert.equal(control.starts.length, 1, 'not started again while held');
  assert.equal(lifecycle.isReady(), false);
  assert.equal(lifecycle.phase(), 'restarting');
  held.resume();
  await until(() => readies() === 2, 'ready again');
  assert.equal(control.starts.length, 2);
  assert.ok(!lines.some((l) => l.msg === 'restarting postmaster in place' || l.msg === 'postmaster exited unexpectedly'), 'no crash, no backoff');
  stop.abort();
  assert.equal(await run, 'fast');
});

test('a stop during a hold ends the loop with postgres down; a hold asked once the loop ended gets nothing', async () => {
  const control = new FakeControl([{ serveMs: Infinity }]);
  const { lifecycle, readies } = setUp(control);
  const stop = new AbortController();
  const run = lifecycle.run(stop.signal);
  await until(() => readies() === 1, 'ready');
  const held = await lifecycle.hold();
  stop.abort();
  assert.equal(await run, 'smart');
  held?.resume();
  await settle();
  assert.equal(control.starts.length, 1, 'never started again');
  assert.equal(lifecycle.current(), undefined);
  assert.equal(await lifecycle.hold(), undefined);
});

test('fencing: fenced at the start postgres is never started; fenced while running it is stopped and kept down, the phase "fenced"; unfenced it starts again', async () => {
  const control = new FakeControl([{ serveMs: Infinity }]);
  const fencing = new FenceSwitch();
  fencing.set(true);
  const { lifecycle, lines, readies } = setUp(control, { fencing });
  const stop = new AbortController();
  const run = lifecycle.run(stop.signal);
  await until(() => lines.some((l) => l.msg === 'fenced (cnpg.io/fencedInstances): postgres stays down until the instance is unfenced'), 'the fenced line');
  assert.equal(lifecycle.phase(), 'fenced');
  assert.equal(control.starts.length, 0, 'never started while fenced');
  fencing.set(false);
  await until(() => readies() === 1, 'started once unfenced');
  fencing.set(true);
  await until(() => control.exits.length === 1 && lifecycle.phase() === 'fenced', 'stopped and fenced');
  assert.equal(lifecycle.isReady(), false);
  assert.equal(control.starts.length, 1, 'kept down: no restart as after a crash');
  fencing.set(false);
  await until(() => readies() === 2, 'started again');
  stop.abort();
  assert.equal(await run, 'smart');
});

test('a stop while fenced ends the loop with postgres down', async () => {
  const control = new FakeControl([{ serveMs: Infinity }]);
  const fencing = new FenceSwitch();
  fencing.set(true);
  const { lifecycle } = setUp(control, { fencing });
  const stop = new AbortController();
  const run = lifecycle.run(stop.signal);
  await until(() => lifecycle.phase() === 'fenced', 'fenced');
  stop.abort();
  assert.equal(await run, 'smart');
  assert.equal(control.starts.length, 0);
});
