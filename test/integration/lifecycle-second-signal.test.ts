// Ctrl-C with a client session open: the smart shutdown waits for that session, so the manager says how many
// sessions it waits for and for how long at most; a second Ctrl-C moves on to a fast shutdown at once, as
// it does for pg_ctl users, instead of only logging "already stopping".
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { startManager, tempDir, type LogLine, type ManagerHandle } from '../helpers/manager.js';
import { cleanupDir } from '../helpers/lifecycle-procs.js';
import { lifecycleManifest, ownerClient } from '../helpers/lifecycle-writer.js';

const SMART_SECONDS = 20;
const dir = tempDir('pgim-lc-second-');
let h: ManagerHandle | undefined;

after(async () => {
  await h?.stop(10_000);
  await cleanupDir(dir);
});

test('SIGINT with one client session says 1 session; a second SIGINT gives a fast shutdown within ~2 s', async () => {
  h = await startManager({ dir, manifestText: lifecycleManifest('t1', SMART_SECONDS, 60) });
  await h.waitForLine((l) => l.msg === 'instance ready', 60_000, 'instance ready');
  const client = await ownerClient(h);
  await client.query('SELECT 1');

  h.proc.kill('SIGINT');
  const smart = await h.waitForLine((l: LogLine) => typeof l.msg === 'string' && l.msg.startsWith('requesting smart shutdown'), 15_000, 'the smart shutdown');
  assert.equal(smart.clientSessions, 1, 'the session held by the test, not the manager\'s own');
  assert.equal(smart.timeoutSeconds, SMART_SECONDS);
  assert.match(String(smart.msg), /waiting up to 20 s for 1 client session to end/);

  const second = Date.now();
  h.proc.kill('SIGINT');
  const exit = await h.exited;
  const elapsed = Date.now() - second;
  await client.end().catch(() => undefined);
  assert.deepEqual(exit, { code: 0, signal: null }, `manager exit; stderr: ${h.stderr().slice(-1000)}`);
  assert.ok(elapsed < 2500, `exit ${elapsed} ms after the second SIGINT`);
  assert.ok(h.lines.some((l) => l.msg === 'instance manager stopping' && l.mode === 'fast'), 'fast finished the stop');
  assert.ok(!h.lines.some((l) => l.msg === 'smart shutdown timed out'), 'it did not wait for the timeout');
});
