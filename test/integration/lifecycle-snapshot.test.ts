// The manager started as the image starts it: `node --snapshot-blob dist/snapshot/manager.blob ARGS`
// (scripts/snapshot.mjs). From an empty directory it bootstraps, serves the owner over TLS and stops with
// exit 0; a second start reuses PGDATA; in Kubernetes mode it loads @kubernetes/client-node at run time
// (a snapshot cannot hold it) and reports status through the API.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { kubeFixture, runKubeManager, typeOf } from '../helpers/kube-api-server-fixture.js';
import { cmdline, cleanupDir, waitNoneMentioning } from '../helpers/lifecycle-procs.js';
import { ownerQuery } from '../helpers/lifecycle-writer.js';
import { manifest, processesMentioning, startManager, tempDir, type LogLine, type ManagerHandle } from '../helpers/manager.js';

const READY = (l: LogLine): boolean => l.msg === 'instance ready';

describe('lifecycle: started from the start-up snapshot', () => {
  const dirs: string[] = [];
  const handles: ManagerHandle[] = [];
  after(async () => {
    for (const h of handles) await h.stop(10_000);
    for (const d of dirs) await cleanupDir(d);
  });

  test('bootstraps an empty dir, serves the owner over TLS, stops with exit 0 and restarts on the same PGDATA', async () => {
    const dir = tempDir('pgim-snap-');
    dirs.push(dir);
    const first = await startManager({ dir, manifestText: manifest('t1'), launch: 'snapshot' });
    handles.push(first);
    assert.match(cmdline(first.proc.pid ?? 0), /--snapshot-blob/, 'the manager runs from the blob');
    await first.waitForLine(READY, 60_000, 'instance ready (first run)');
    assert.ok(first.lines.some((l) => l.msg === 'initdb started'), 'the first run ran initdb');
    // The certificate child (dist/bundle/generate-child.js) was found from the snapshot.
    assert.ok(first.lines.some((l) => l.msg === 'created secret'), 'local secrets were provisioned');
    const tls = await ownerQuery<{ ssl: boolean; user: string }>(first, 'SELECT ssl, current_user AS user FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
    assert.deepEqual(tls.rows, [{ ssl: true, user: 'app' }]);
    await ownerQuery(first, "CREATE TABLE kept AS SELECT 'first run' AS v");
    assert.deepEqual(await first.stop(30_000), { code: 0, signal: null }, first.stderr().slice(-1000));
    assert.deepEqual(await waitNoneMentioning(dir, 2000), [], 'no process left behind');

    const second = await startManager({ dir, launch: 'snapshot' });
    handles.push(second);
    await second.waitForLine(READY, 60_000, 'instance ready (second run)');
    assert.ok(!second.lines.some((l) => l.msg === 'initdb started'), 'the second run reused PGDATA');
    assert.deepEqual((await ownerQuery<{ v: string }>(second, 'SELECT v FROM kept')).rows, [{ v: 'first run' }]);
    assert.deepEqual(await second.stop(30_000), { code: 0, signal: null }, second.stderr().slice(-1000));
  });

  test('in Kubernetes mode, init and run from the snapshot load the Kubernetes client and patch the status', async () => {
    const f = await kubeFixture();
    try {
      const init = await runKubeManager(f, 'init', [], undefined, 'snapshot');
      assert.equal(await init.exited, 0, init.stderr());
      const m = await runKubeManager(f, 'run', [], undefined, 'snapshot');
      try {
        await m.waitForLine(READY, 60_000, 'instance ready');
        const deadline = Date.now() + 10_000;
        let phase: string | undefined;
        while (phase === undefined && Date.now() < deadline) {
          phase = (f.server.store.get(typeOf('clusters'), f.namespace, f.clusterName).status as { phase?: string } | undefined)?.phase;
          await new Promise((r) => setTimeout(r, 50));
        }
        assert.ok(phase !== undefined, 'the Cluster status was patched through the API');
      } finally {
        assert.equal(await m.stop(), 0, m.stderr());
      }
    } finally {
      for (const pid of processesMentioning(f.dir)) process.kill(pid, 'SIGKILL');
      await f.server.stop();
      rmSync(f.dir, { recursive: true, force: true });
    }
  });
});
