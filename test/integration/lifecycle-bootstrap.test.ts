// From an empty directory: `instance run` bootstraps, serves the owner over verify-full TLS, stops with
// exit 0 leaving no postgres behind, and a second start reuses PGDATA; `instance init` does the
// bootstrap alone and exits, after which `instance run` skips initdb.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, manifest, secretValue, startManager, tempDir, type LogLine, type ManagerHandle } from '../helpers/manager.js';
import { cleanupDir, descendants, stillPresent, waitNoneMentioning, waitUntil } from '../helpers/lifecycle-procs.js';
import { ownerQuery, runManagerCommand } from '../helpers/lifecycle-writer.js';

const READY = (l: LogLine): boolean => l.msg === 'instance ready';
const INITDB_STARTED = (l: LogLine): boolean => l.msg === 'initdb started';

// Stops the manager with SIGTERM and checks the clean-exit contract: code 0, its whole tree gone.
async function stopCleanly(h: ManagerHandle): Promise<number> {
  const pid = h.proc.pid ?? 0;
  const tree = descendants(pid);
  assert.ok(tree.some((p) => p.comm === 'postgres'), 'a postgres process runs under the manager before the stop');
  const started = Date.now();
  const exit = await h.stop(30_000);
  const elapsed = Date.now() - started;
  assert.deepEqual(exit, { code: 0, signal: null }, `manager exit; stderr: ${h.stderr().slice(-1000)}`);
  // A process of the tree may linger as a zombie handed to the host's PID 1 (postgres' logger outlives
  // the postmaster); none may still be running.
  const running = await waitUntil(() => {
    const live = stillPresent(tree).filter((p) => p.state !== 'Z');
    return live.length === 0 ? live : false;
  }, 2000, 'every process that ran under the manager to end').catch(() => stillPresent(tree).filter((p) => p.state !== 'Z'));
  assert.deepEqual(running, [], 'no process that ran under the manager is still running');
  assert.deepEqual(await waitNoneMentioning(h.dir, 2000), [], `no process mentions ${h.dir}`);
  return elapsed;
}

describe('lifecycle: bootstrap', () => {
  const dirs: string[] = [];
  const handles: ManagerHandle[] = [];
  after(async () => {
    for (const h of handles) await h.stop(10_000);
    for (const d of dirs) await cleanupDir(d);
  });

  test('instance run bootstraps an empty dir, serves the owner over verify-full TLS, and restarts on the same PGDATA', async (t) => {
    const dir = tempDir('pgim-lc-boot-');
    dirs.push(dir);
    assert.deepEqual(readdirSync(dir), []);

    const first = await startManager({ dir, manifestText: manifest('t1') });
    handles.push(first);
    await first.waitForLine(READY, 60_000, 'instance ready (first run)');
    assert.ok(first.lines.some(INITDB_STARTED), 'the first run ran initdb');
    assert.ok(existsSync(join(first.stateDir, 'pgdata', 'PG_VERSION')));
    // initdb ran with --no-sync: PGDATA was synced while postgres started, and before the instance was ready.
    const synced = first.lines.findIndex((l) => l.msg === 'new PGDATA synced to disk');
    assert.ok(synced >= 0 && synced < first.lines.findIndex(READY), 'the new PGDATA is synced to disk before "instance ready"');
    assert.ok(!first.lines.some((l) => String(l.msg).startsWith('Sync to disk skipped')), "initdb's --no-sync warning is not passed on");
    assert.ok(!existsSync(join(first.stateDir, 'pgdata', 'pgim.bootstrap-pending')), 'the bootstrap marker is gone once ready');
    // The owner's password is applied right after the bootstrap SQL, once: the first reconcile does not repeat it.
    const applied = first.lines.filter((l) => l.msg === 'password applied from secret' && l.role === 'app');
    assert.equal(applied.length, 1, 'the owner password is applied once on the first start');

    const who = await ownerQuery<{ current_user: string; current_database: string }>(first, 'SELECT current_user, current_database()');
    assert.deepEqual(who.rows, [{ current_user: secretValue(first.stateDir, 't1-app', 'username'), current_database: secretValue(first.stateDir, 't1-app', 'dbname') }]);
    assert.deepEqual(who.rows, [{ current_user: 'app', current_database: 'app' }]);
    const tls = await ownerQuery<{ ssl: boolean; version: string }>(first, 'SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
    assert.deepEqual(tls.rows, [{ ssl: true, version: 'TLSv1.3' }]);
    await ownerQuery(first, 'CREATE TABLE kept (v text)');
    await ownerQuery(first, "INSERT INTO kept VALUES ('written in the first run')");

    const idleStopMs = await stopCleanly(first);
    t.diagnostic(`SIGTERM -> exit, idle instance: ${idleStopMs} ms`);
    assert.ok(first.lines.some((l) => l.msg === 'instance manager stopping' && l.mode === 'smart'), 'an idle instance stops in smart mode');

    const second = await startManager({ dir, port: first.port });
    handles.push(second);
    await second.waitForLine(READY, 60_000, 'instance ready (second run)');
    assert.equal(second.lines.filter(INITDB_STARTED).length, 0, 'the second run reuses PGDATA without initdb');
    const kept = await ownerQuery<{ v: string }>(second, 'SELECT v FROM kept');
    assert.deepEqual(kept.rows, [{ v: 'written in the first run' }]);
    await stopCleanly(second);
  });

  test('instance init initialises PGDATA and exits; instance run then skips initdb', async () => {
    const dir = tempDir('pgim-lc-init-');
    dirs.push(dir);
    writeFileSync(join(dir, 'cluster.yaml'), manifest('t1'));
    const port = await freePort();

    const init = await runManagerCommand(['instance', 'init'], { dir, port });
    assert.equal(init.code, 0, `instance init exit code; stderr: ${init.stderr.slice(-1000)}`);
    assert.ok(init.lines.some(INITDB_STARTED), 'instance init ran initdb');
    assert.ok(init.lines.some((l) => l.msg === 'PGDATA initialised; postmaster stopped'), 'instance init finished the bootstrap');
    const pgData = join(dir, 'state', 'pgdata');
    assert.ok(existsSync(join(pgData, 'PG_VERSION')), 'PGDATA is initialised');
    assert.ok(!existsSync(join(pgData, 'pgim.bootstrap-pending')), 'the bootstrap marker is gone');
    assert.ok(!existsSync(join(pgData, 'postmaster.pid')), 'postgres was shut down cleanly');
    assert.deepEqual(await waitNoneMentioning(dir, 2000), [], 'no postgres left after instance init');

    const run = await startManager({ dir, port });
    handles.push(run);
    await run.waitForLine(READY, 60_000, 'instance ready after init');
    assert.equal(run.lines.filter(INITDB_STARTED).length, 0, 'instance run after init does not run initdb');
    const who = await ownerQuery<{ current_user: string }>(run, 'SELECT current_user');
    assert.deepEqual(who.rows, [{ current_user: 'app' }]);
    await stopCleanly(run);
  });
});
