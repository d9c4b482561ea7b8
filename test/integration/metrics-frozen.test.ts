// With postgres frozen (SIGSTOP on the postmaster and its backends) a scrape over an already pooled exporter
// connection answers within the scrape deadline with cnpg_collector_up 0, and the exporter recovers after SIGCONT.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { freePort, manifest, secretValue, startManager, tempDir, type ManagerHandle } from '../helpers/manager.js';
import { killLeftovers, waitUntil } from '../helpers/config-tree.js';
import { samples, scrape } from '../helpers/metrics-scrape.js';
import { freezePostgres, signalAll } from '../helpers/postgres-freeze.js';

const dir = tempDir('pgim-metrics-f-');
let h: ManagerHandle | undefined;
let frozen: number[] = [];
after(async () => {
  signalAll(frozen, 'SIGCONT');
  await h?.stop();
  killLeftovers(dir);
  rmSync(dir, { recursive: true, force: true });
});

const UP = 'cnpg_collector_up{cluster="t1"}';
const UP_ERRORS = 'cnpg_collector_collection_errors_total{collector="Collect.up"}';

test('a frozen postgres: a scrape answers within 3 s with cnpg_collector_up 0 and the error counted; recovery after SIGCONT', async () => {
  const metricsPort = await freePort();
  h = await startManager({ dir, manifestText: manifest('t1'), extraArgs: ['--metrics-port', String(metricsPort), '--metrics-port-tls'] });
  await h.waitForLine((l) => l.msg === 'instance ready', 90_000, 'instance ready');
  const ca = secretValue(h.stateDir, 't1-ca', 'ca.crt');
  // Prometheus' default scrape_timeout is 10 s; the scrape must answer well before it.
  const get = () => scrape(metricsPort, { ca, timeoutMs: 9_000 });

  // One scrape first, so the exporter's pool holds idle connections to frozen backends.
  const warm = await get();
  assert.equal(warm.status, 200);
  assert.equal(samples(warm.body).get(UP), '1');
  const errorsBefore = Number(samples(warm.body).get(UP_ERRORS) ?? 0);

  frozen = freezePostgres(h.stateDir);
  assert.ok(frozen.length >= 4, `postmaster and its children: ${frozen.join(' ')}`);
  const stuck = await get();
  assert.equal(stuck.status, 200, stuck.body);
  assert.ok(stuck.ms < 3_000, `the scrape took ${stuck.ms} ms`);
  const s = samples(stuck.body);
  assert.equal(s.get(UP), '0');
  assert.equal(s.get('cnpg_collector_last_collection_error'), '1');
  assert.equal(Number(s.get(UP_ERRORS)), errorsBefore + 1, 'the failed ping is counted');

  // Still bounded on the next scrape, whether it gets another pooled connection or has to connect.
  const again = await get();
  assert.equal(samples(again.body).get(UP), '0');
  assert.ok(again.ms < 3_000, `the second scrape took ${again.ms} ms`);

  signalAll(frozen, 'SIGCONT');
  frozen = [];
  const back = await waitUntil(async () => {
    const r = await get();
    return samples(r.body).get(UP) === '1' ? r : undefined;
  }, 15_000, 'cnpg_collector_up 1 after SIGCONT');
  assert.ok(back.ms < 3_000, `the scrape after SIGCONT took ${back.ms} ms`);
});
