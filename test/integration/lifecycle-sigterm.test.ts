// SIGTERM while a client commits continuously: the open session makes smart shutdown wait its
// smartShutdownTimeout, then fast ends it; the manager exits 0 within that budget, leaves no postgres
// behind, and after a restart every commit the client saw acknowledged is there.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startManager, tempDir, type LogLine, type ManagerHandle } from '../helpers/manager.js';
import { cleanupDir, descendants, stillPresent, waitNoneMentioning, waitUntil } from '../helpers/lifecycle-procs.js';
import { idsIn, lifecycleManifest, ownerQuery, startWriter } from '../helpers/lifecycle-writer.js';

const READY = (l: LogLine): boolean => l.msg === 'instance ready';
const SMART_SECONDS = 2;
/** Checkpoint before the stop, fast shutdown and the manager's own exit: generous on a loaded machine. */
const MARGIN_MS = 6000;

describe('lifecycle: SIGTERM under load', () => {
  const dirs: string[] = [];
  const handles: ManagerHandle[] = [];
  after(async () => {
    for (const h of handles) await h.stop(10_000);
    for (const d of dirs) await cleanupDir(d);
  });

  test('smart waits for the writer, fast ends it, exit 0 in budget, no acknowledged commit lost', async (t) => {
    const dir = tempDir('pgim-lc-term-');
    dirs.push(dir);
    const h = await startManager({ dir, manifestText: lifecycleManifest('t1', SMART_SECONDS) });
    handles.push(h);
    await h.waitForLine(READY, 60_000, 'instance ready');
    await ownerQuery(h, 'CREATE TABLE w (id bigint PRIMARY KEY)');

    const writer = await startWriter(h, 'w');
    await writer.waitForAcked(50);
    const tree = descendants(h.proc.pid ?? 0);
    assert.ok(tree.length > 0, 'postgres runs under the manager');
    const ackedAtSignal = writer.acked.length;

    const started = Date.now();
    const exit = await h.stop(SMART_SECONDS * 1000 + 20_000);
    const elapsed = Date.now() - started;
    t.diagnostic(`SIGTERM -> exit with a committing writer: ${elapsed} ms (smartShutdownTimeout ${SMART_SECONDS} s)`);
    assert.deepEqual(exit, { code: 0, signal: null }, `manager exit; stderr: ${h.stderr().slice(-1000)}`);
    assert.ok(elapsed >= SMART_SECONDS * 1000 - 100, `smart shutdown waited for the open session (${elapsed} ms)`);
    assert.ok(elapsed < SMART_SECONDS * 1000 + MARGIN_MS, `exit within smartShutdownTimeout + margin (${elapsed} ms)`);
    assert.ok(h.lines.some((l) => l.msg === 'smart shutdown timed out'), 'smart shutdown timed out');
    assert.ok(h.lines.some((l) => l.msg === 'instance manager stopping' && l.mode === 'fast'), 'fast finished the stop');

    await writer.done;
    assert.ok(writer.failure(), 'the writer session was ended by the fast shutdown');
    t.diagnostic(`writer: ${writer.acked.length} commits acknowledged, ${writer.acked.length - ackedAtSignal} during the shutdown`);
    assert.ok(writer.acked.length > ackedAtSignal, 'the open session kept committing during smart shutdown');

    const live = await waitUntil(() => {
      const l = stillPresent(tree).filter((p) => p.state !== 'Z');
      return l.length === 0 ? l : false;
    }, 2000, 'the postgres processes to end').catch(() => stillPresent(tree).filter((p) => p.state !== 'Z'));
    assert.deepEqual(live, [], 'no postgres process is still running');
    assert.deepEqual(await waitNoneMentioning(dir, 2000), [], `no process mentions ${dir}`);

    const again = await startManager({ dir, port: h.port });
    handles.push(again);
    await again.waitForLine(READY, 60_000, 'instance ready after the restart');
    const ids = await idsIn(again, 'w');
    const missing = writer.acked.filter((id) => !ids.has(id));
    assert.deepEqual(missing, [], `all ${writer.acked.length} acknowledged ids are present after the restart`);
    assert.deepEqual((await again.stop(30_000)).code, 0);
  });

  // The postgres logger outlives the postmaster; it is reparented to the manager (a child subreaper), which
  // exits without waiting to reap it, so the zombie goes to the host's init.
  test('the manager reaps its orphans (postgres logger) before exiting', async () => {
    const dir = tempDir('pgim-lc-orphan-');
    dirs.push(dir);
    const h = await startManager({ dir, manifestText: lifecycleManifest('t1', SMART_SECONDS) });
    handles.push(h);
    await h.waitForLine(READY, 60_000, 'instance ready');
    const tree = descendants(h.proc.pid ?? 0);
    let atExit: ReturnType<typeof stillPresent> = [];
    h.proc.once('exit', () => (atExit = stillPresent(tree)));
    assert.equal((await h.stop(30_000)).code, 0);
    assert.deepEqual(atExit, [], 'nothing of the tree of the manager is left when it exits, not even a zombie');
  });
});
