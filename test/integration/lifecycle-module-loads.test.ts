// What the built manager loads, watched from inside it (test/helpers/record-loads.ts, an --import preload):
// before the postmaster is spawned it has not loaded pg (loaded while postgres starts), and on a restart not
// execa either (loaded by the first short tool); it never loads Node's fetch stack (undici), also after serving
// the probes, /pg/status and a scrape.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { cleanupDir } from '../helpers/lifecycle-procs.js';
import { readLoadRecord, type LoadRecord } from '../helpers/module-loads.js';
import { REPO_ROOT, secretValue, startManager, tempDir, type LogLine, type ManagerHandle } from '../helpers/manager.js';
import { scrape } from '../helpers/metrics-scrape.js';
import { statusRequest } from '../helpers/status-client.js';

const READY = (l: LogLine): boolean => l.msg === 'instance ready';
const PRELOAD = join(REPO_ROOT, 'dist', 'test', 'helpers', 'record-loads.js');
const UNDICI = 'NativeModule internal/deps/undici/undici';

async function runRecorded(dir: string, name: string, handles: ManagerHandle[]): Promise<LoadRecord> {
  const file = join(dir, `${name}.loads`);
  const h = await startManager({ dir, nodeArgs: ['--import', PRELOAD], env: { PGIM_TEST_LOAD_RECORD: file } });
  handles.push(h);
  await h.waitForLine(READY, 60_000, `instance ready (${name})`);
  const ca = secretValue(h.stateDir, 't1-ca', 'ca.crt');
  assert.equal((await statusRequest({ port: h.statusPort, path: '/healthz', ca })).status, 200);
  assert.equal((await statusRequest({ port: h.statusPort, path: '/pg/status', ca })).status, 200);
  assert.equal((await scrape(h.metricsPort)).status, 200);
  assert.deepEqual(await h.stop(30_000), { code: 0, signal: null }, h.stderr().slice(-1000));
  return readLoadRecord(file);
}

describe('lifecycle: modules loaded by the built manager', () => {
  const dirs: string[] = [];
  const handles: ManagerHandle[] = [];
  after(async () => {
    for (const h of handles) await h.stop(10_000);
    for (const d of dirs) await cleanupDir(d);
  });

  test('pg is not loaded before the postmaster spawn, nor execa on a restart; undici never', async () => {
    const dir = tempDir('pgim-loads-');
    dirs.push(dir);
    const fresh = await runRecorded(dir, 'fresh', handles);
    const restart = await runRecorded(dir, 'restart', handles);
    for (const [name, r] of [['fresh', fresh], ['restart', restart]] as const) {
      assert.ok(r.spawned.includes('postgres'), `${name}: the postmaster spawn was recorded (${r.spawned.join(', ')})`);
      // The record is really followed: these are loaded before the spawn, pg after it.
      assert.ok(r.beforePostmaster.has('yaml') && r.beforePostmaster.has('pino'), `${name}: before the spawn ${[...r.beforePostmaster].join(', ')}`);
      assert.ok(r.all.has('pg'), `${name}: pg was loaded at all`);
      assert.ok(!r.beforePostmaster.has('pg'), `${name}: pg loaded before the postmaster spawn`);
      assert.ok(r.builtins.length > 0, `${name}: the built-ins were recorded at exit`);
      assert.ok(!r.builtins.includes(UNDICI), `${name}: undici (Node's fetch) was loaded`);
    }
    // A fresh start runs the certificate child through execa before initdb; a restart runs no short tool first.
    assert.ok(fresh.beforePostmaster.has('execa'), 'the fresh start loaded execa (the certificate child) before the spawn');
    assert.ok(!restart.beforePostmaster.has('execa'), 'restart: execa loaded before the postmaster spawn');
    assert.ok(!restart.all.has('execa'), `restart: execa loaded at all (spawned: ${restart.spawned.join(', ')})`);
  });
});
