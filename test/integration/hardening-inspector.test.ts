// SIGUSR1 must not open Node's inspector (a debugger on 127.0.0.1:9229 that runs any code inside the manager):
// the manager reports the signal, ignores it and keeps serving.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { cleanupDir } from '../helpers/lifecycle-procs.js';
import { startManager } from '../helpers/manager.js';

const INSPECTOR_PORT = 9229;

/** 'refused' when nothing listens on 127.0.0.1:port, else 'open'. */
function probe(port: number): Promise<'open' | 'refused'> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve('open');
    });
    socket.once('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNREFUSED' ? resolve('refused') : reject(err)));
  });
}

test('SIGUSR1: logged and ignored, no inspector on 127.0.0.1:9229, the manager keeps running', { skip: process.getuid?.() !== 0 && 'needs root (postgres runs as the postgres user)' }, async (t) => {
  if ((await probe(INSPECTOR_PORT)) === 'open') return t.skip(`something else already listens on 127.0.0.1:${INSPECTOR_PORT}`);
  const h = await startManager();
  try {
    await h.waitForLine((l) => l.msg === 'instance ready', 60_000, 'instance ready');
    h.proc.kill('SIGUSR1');
    const warned = await h.waitForLine((l) => l.msg === 'SIGUSR1 ignored: the Node.js inspector is disabled', 10_000, 'the SIGUSR1 warning');
    assert.equal(warned.level, 'warning');
    assert.equal(await probe(INSPECTOR_PORT), 'refused', 'nothing listens on the inspector port');
    assert.doesNotMatch(h.stderr(), /Debugger listening/);
    assert.equal(h.proc.exitCode, null, 'the manager is still running');
    assert.deepEqual(await h.stop(), { code: 0, signal: null });
  } finally {
    await h.stop();
    await cleanupDir(h.dir);
  }
});
