// With postgres frozen (SIGSTOP on the postmaster and its backends) the status routes still answer in time.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { processesMentioning, secretValue, startManager, type ManagerHandle } from '../helpers/manager.js';
import { freezePostgres, signalAll } from '../helpers/postgres-freeze.js';
import { errorOf, statusRequest, waitForStatus } from '../helpers/status-client.js';

let h: ManagerHandle | undefined;
let frozen: number[] = [];
after(async () => {
  signalAll(frozen, 'SIGCONT');
  await h?.stop();
  for (const pid of h ? processesMentioning(h.dir) : []) process.kill(pid, 'SIGKILL');
});

test('a frozen postgres: /readyz within 2 s and /pg/status within 5 s, no pile-up, recovery after SIGCONT', async () => {
  h = await startManager();
  await h.waitForLine((l) => l.msg === 'instance ready', 60_000, 'instance ready');
  const ca = secretValue(h.stateDir, 't1-ca', 'ca.crt');
  const port = h.statusPort;
  // Warm the probe pool so a frozen backend holds a connection, the case that hung CNPG
  // (https://github.com/cloudnative-pg/cloudnative-pg/issues/6599).
  assert.equal((await statusRequest({ port, path: '/pg/status', ca })).status, 200);
  assert.equal((await statusRequest({ port, path: '/readyz', ca })).status, 200);

  frozen = freezePostgres(h.stateDir);
  assert.ok(frozen.length >= 4, `postmaster and its children: ${frozen.join(' ')}`);

  const [ready, statuses, live] = await Promise.all([
    statusRequest({ port, path: '/readyz', ca }),
    Promise.all(Array.from({ length: 20 }, () => statusRequest({ port, path: '/pg/status', ca }))),
    statusRequest({ port, path: '/healthz', ca }),
  ]);
  assert.equal(ready.status, 500);
  assert.ok(ready.ms < 2_800, `/readyz took ${ready.ms} ms`);
  // Either the deadline or pg_isready's own connect timeout (the same 2 s) answers first.
  assert.match(errorOf(ready.body).message, /did not answer|does not answer/);
  for (const s of statuses) {
    assert.equal(s.status, 500, s.body);
    assert.ok(s.ms < 5_800, `/pg/status took ${s.ms} ms`);
    assert.equal(errorOf(s.body).code, 'TIMEOUT', 'the warm connection hangs: the deadline answers');
  }
  assert.equal(live.status, 200, 'liveness never inspects postgres');
  assert.ok(live.ms < 1_000);
  // Still bounded on the next round, with the stuck connections gone.
  const second = await statusRequest({ port, path: '/pg/status', ca });
  assert.equal(second.status, 500);
  assert.ok(['TIMEOUT', 'STATUS_FAILED'].includes(errorOf(second.body).code), second.body);
  assert.ok(second.ms < 5_800, `second /pg/status took ${second.ms} ms`);

  signalAll(frozen, 'SIGCONT');
  frozen = [];
  await waitForStatus({ port, path: '/pg/status', ca }, (r) => r.status === 200, 15_000, '/pg/status after SIGCONT');
  await waitForStatus({ port, path: '/readyz', ca }, (r) => r.status === 200, 15_000, '/readyz after SIGCONT');
});
