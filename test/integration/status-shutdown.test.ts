// The status server's probe pool keeps idle sessions between calls. A smart shutdown waits for every
// session, so those must be closed first: after /pg/status calls, SIGTERM still ends in a smart shutdown
// within moments, not after smartShutdownTimeout.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { manifest, startManager, tempDir, type ManagerHandle } from '../helpers/manager.js';
import { killLeftovers } from '../helpers/config-tree.js';
import { statusRequest } from '../helpers/status-client.js';

let h: ManagerHandle | undefined;
const dir = tempDir('pgim-status-stop-');

after(async () => {
  await h?.stop(10_000);
  killLeftovers(dir);
});

test('SIGTERM after /pg/status calls: smart shutdown, not held by the status connections', async () => {
  h = await startManager({ dir, manifestText: manifest('t1', 'smartShutdownTimeout: 30\nstopDelay: 90').replace('  smartShutdownTimeout: 5\n  stopDelay: 30\n', '') });
  await h.waitForLine((l) => l.msg === 'instance ready', 60_000, 'instance ready');
  for (let i = 0; i < 3; i++) {
    const res = await statusRequest({ port: h.statusPort, path: '/pg/status' });
    assert.equal(res.status, 200);
  }
  const started = Date.now();
  const { code } = await h.stop(60_000);
  const took = Date.now() - started;
  assert.equal(code, 0);
  const stopped = h.lines.find((l) => l.msg === 'postmaster stopped');
  assert.equal(stopped?.mode, 'smart', 'the smart shutdown finished by itself');
  assert.ok(took < 10_000, `stopped in ${took} ms (smartShutdownTimeout is 30 s)`);
});
