// Ctrl-C while postgres is still starting: the status and metrics servers, loaded while postgres starts,
// must not begin listening once the stop was asked (they used to log "status server listening" after
// "postmaster stopped", on a manager about to exit).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { startManager, tempDir, type ManagerHandle } from '../helpers/manager.js';
import { cleanupDir } from '../helpers/lifecycle-procs.js';

const dir = tempDir('pgim-early-stop-');
let h: ManagerHandle | undefined;

after(async () => {
  await h?.stop(10_000);
  await cleanupDir(dir);
});

test('SIGINT just before the postmaster is spawned: no server starts listening after the stop', async () => {
  h = await startManager({ dir });
  // The configuration files are written right before the spawn, and the servers load after it.
  await h.waitForLine((l) => l.msg === 'Installed configuration file', 60_000, 'the configuration files');
  h.proc.kill('SIGINT');
  const exit = await h.exited;
  assert.deepEqual(exit, { code: 0, signal: null }, `manager exit; stderr: ${h.stderr().slice(-1000)}`);
  const msgs = h.lines.map((l) => l.msg);
  const asked = msgs.indexOf('stop requested');
  assert.ok(asked >= 0, 'the stop request is logged');
  for (const what of ['status server listening', 'metrics server listening']) {
    const at = msgs.lastIndexOf(what);
    assert.ok(at < asked, `${what} is not logged after the stop was asked (line ${at}, stop at line ${asked})`);
  }
});
