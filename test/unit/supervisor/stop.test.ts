// smart -> fast -> immediate within the Cluster's budget, against a hand-written postmaster that exits on the
// signal a script names (no postgres): which signals are sent, in which order, and what finishes the job.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Postmaster, PostmasterExit } from '../../../src/supervisor/postmaster.js';
import { stopPostmaster } from '../../../src/supervisor/stop.js';
import { captureLogger } from '../log/capture-logger.js';

/** A postmaster that exits when it receives `exitOn` (never, when undefined); records every signal. */
function fakePostmaster(exitOn: NodeJS.Signals | undefined): Postmaster & { sent: string[] } {
  const sent: string[] = [];
  let exited = false;
  let resolveExit: (e: PostmasterExit) => void = () => undefined;
  const exit = new Promise<PostmasterExit>((r) => (resolveExit = r));
  const pm = {
    pid: 999_999_999,
    adopted: false,
    exited: exit,
    sent,
    hasExited: () => exited,
    signal(s: NodeJS.Signals) {
      sent.push(s);
      if (s === exitOn) {
        exited = true;
        resolveExit({ exitCode: 0, signal: null });
      }
    },
    signalGroup(s: NodeJS.Signals) {
      sent.push(`group ${s}`);
    },
  };
  return pm;
}

const log = captureLogger().root;

test('an idle postmaster stops in smart mode; connections are closed first', async () => {
  const pm = fakePostmaster('SIGTERM');
  const order: string[] = [];
  const mode = await stopPostmaster(pm, { smartShutdownTimeout: 1, stopDelay: 5, log, closeConnections: () => Promise.resolve(void order.push('closed')) });
  assert.equal(mode, 'smart');
  assert.deepEqual(pm.sent, ['SIGTERM']);
  assert.deepEqual(order, ['closed']);
});

test('smart that does not finish within smartShutdownTimeout goes on to fast', async () => {
  const pm = fakePostmaster('SIGINT');
  const started = Date.now();
  const mode = await stopPostmaster(pm, { smartShutdownTimeout: 0.2, stopDelay: 5, log });
  assert.equal(mode, 'fast');
  assert.deepEqual(pm.sent, ['SIGTERM', 'SIGINT']);
  assert.ok(Date.now() - started >= 190, 'smart had its time');
});

test('stopDelay <= smartShutdownTimeout skips smart (as CNPG), fast at once', async () => {
  const pm = fakePostmaster('SIGINT');
  assert.equal(await stopPostmaster(pm, { smartShutdownTimeout: 5, stopDelay: 5, log }), 'fast');
  assert.deepEqual(pm.sent, ['SIGINT']);
});

test('fast that outlasts stopDelay escalates to immediate, all within the budget', async () => {
  const pm = fakePostmaster('SIGQUIT');
  const started = Date.now();
  const mode = await stopPostmaster(pm, { smartShutdownTimeout: 0.2, stopDelay: 0.5, log });
  assert.equal(mode, 'immediate');
  assert.deepEqual(pm.sent, ['SIGTERM', 'SIGINT', 'SIGQUIT']);
  const elapsed = Date.now() - started;
  assert.ok(elapsed >= 450 && elapsed < 2000, `immediate came once stopDelay was spent (${elapsed} ms)`);
});

test('a postmaster that ignores even SIGQUIT gets SIGKILL on its group', async () => {
  const pm = fakePostmaster(undefined);
  const mode = await stopPostmaster(pm, { smartShutdownTimeout: 0, stopDelay: 0.1, log });
  assert.equal(mode, 'immediate');
  assert.deepEqual(pm.sent.slice(0, 2), ['SIGINT', 'SIGQUIT']);
  assert.ok(pm.sent.includes('group SIGKILL'));
});

test('a failing CHECKPOINT before the shutdown does not stop the shutdown', async () => {
  const pm = fakePostmaster('SIGTERM');
  const mode = await stopPostmaster(pm, { smartShutdownTimeout: 1, stopDelay: 5, log, checkpoint: () => Promise.reject(new Error('no connection')) });
  assert.equal(mode, 'smart');
});
