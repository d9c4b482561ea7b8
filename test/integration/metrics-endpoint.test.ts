// The :9187 endpoint with the default queries over TLS 1.3: promtool accepts a real scrape, the
// default metric names are there, scrape latency, and a scrape while postgres is down answers at once
// with cnpg_collector_up 0.
import { after as afterAll, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, manifest, secretValue, startManager, tempDir, type ManagerHandle } from '../helpers/manager.js';
import { killLeftovers, superuserQuery, waitUntil } from '../helpers/config-tree.js';
import { percentiles, promtoolCheck, samples, scrape } from '../helpers/metrics-scrape.js';

const dir = tempDir('pgim-metrics-e-');
let h: ManagerHandle;
let metricsPort: number;
let ca: string;
const get = (path?: string) => scrape(metricsPort, { ca, path });

before(async () => {
  metricsPort = await freePort();
  h = await startManager({ dir, manifestText: manifest('t1'), extraArgs: ['--metrics-port', String(metricsPort), '--metrics-port-tls'] });
  await h.waitForLine((l) => l.msg === 'instance ready', 90_000, 'instance ready');
  ca = secretValue(h.stateDir, 't1-ca', 'ca.crt');
});

afterAll(async () => {
  await h?.stop();
  killLeftovers(dir);
  rmSync(dir, { recursive: true, force: true });
});

test('a real scrape passes promtool check metrics and carries the default and built-in metrics', async () => {
  const r = await get();
  assert.equal(r.status, 200);
  const check = promtoolCheck(r.body);
  assert.ok(check, 'promtool is installed (Debian package prometheus)');
  assert.ok(check.ok, check.output);
  const s = samples(r.body);
  for (const name of [
    'cnpg_collector_up{cluster="t1"}', 'cnpg_collector_collections_total', 'cnpg_collector_last_collection_error',
    'cnpg_collector_pg_wal{value="count"}', 'cnpg_collector_pg_wal_archive_status{value="ready"}', 'cnpg_collector_fencing_on',
    'cnpg_collector_replica_mode', 'cnpg_collector_sync_replicas{value="observed"}', 'cnpg_collector_lo_pages{datname="app"}',
    'cnpg_pg_postmaster_start_time', 'cnpg_pg_database_size_bytes{datname="app"}', 'cnpg_backends_waiting_total',
    'cnpg_pg_replication_in_recovery', 'cnpg_pg_stat_archiver_archived_count', 'cnpg_pg_stat_bgwriter_buffers_alloc',
    'cnpg_pg_stat_database_xact_commit{datname="app"}', 'cnpg_pg_settings_setting{name="max_connections"}',
    'cnpg_pg_extensions_update_available{datname="app",extname="plpgsql",default_version="1.0",installed_version="1.0"}',
    'cnpg_last_error', 'cnpg_cache_miss', 'process_cpu_user_seconds_total', 'process_resident_memory_bytes',
  ]) {
    assert.ok(s.has(name), `missing ${name}`);
  }
  assert.equal(s.get('cnpg_collector_up{cluster="t1"}'), '1');
  assert.equal(s.get('cnpg_last_error'), '0');
  assert.equal(s.get('cnpg_pg_replication_in_recovery'), '0');
  assert.equal(s.has('cnpg_pg_stat_checkpointer_checkpoints_timed'), false, 'runonserver >=17 does not run on 15');
  assert.match(s.get('cnpg_collector_postgres_version{full="15.' + (/full="15\.(\d+)"/.exec(r.body)?.[1] ?? 'x') + '",cluster="t1"}') ?? '', /^15\.\d+$/);
  assert.equal([...s.keys()].filter((k) => k.startsWith('nodejs_active_handles_total')).length, 0);
});

test('only TLS 1.3, only /metrics', async () => {
  await assert.rejects(scrape(metricsPort, { ca, maxVersion: 'TLSv1.2' }));
  await assert.rejects(scrape(metricsPort), 'plain HTTP is refused');
  assert.equal((await get('/other')).status, 404);
  const listening = h.lines.find((l) => l.msg === 'metrics server listening');
  assert.equal(listening?.host, '127.0.0.1');
  assert.equal(listening?.tls, true);
});

test('scrape latency: default queries, cached (TTL 30 s) and recomputed every scrape (TTL 0)', async (t) => {
  const timings = async (): Promise<{ median: number; p99: number; series: number }> => {
    const ms: number[] = [];
    let series = 0;
    for (let i = 0; i < 20; i++) {
      const r = await get();
      assert.equal(r.status, 200);
      ms.push(r.ms);
      series = samples(r.body).size;
    }
    return { ...percentiles(ms), series };
  };
  const cached = await timings();
  writeFileSync(h.manifestPath, manifest('t1', 'monitoring:\n  metricsQueriesTTL: "0"'));
  await h.waitForLine((l) => l.msg === 'Cluster changed', 10_000, 'the TTL change');
  await waitUntil(async () => (samples((await get()).body).get('cnpg_cache_miss') === '1' && samples((await get()).body).get('cnpg_cache_miss') === '1' ? true : undefined), 10_000, 'TTL 0');
  const fresh = await timings();
  t.diagnostic(`cached: median ${cached.median.toFixed(1)} ms, p99 ${cached.p99.toFixed(1)} ms, ${cached.series} series`);
  t.diagnostic(`TTL 0: median ${fresh.median.toFixed(1)} ms, p99 ${fresh.p99.toFixed(1)} ms, ${fresh.series} series`);
  assert.ok(cached.median < 500 && fresh.median < 1_000, JSON.stringify({ cached, fresh }));
});

test('while postgres is down a scrape answers at once with cnpg_collector_up 0; the restart repairs the exporter role', async () => {
  // A password given to the exporter by hand is removed again at the next start (PASSWORD NULL, peer only).
  await superuserQuery(h, "ALTER ROLE cnpg_metrics_exporter WITH PASSWORD 'not-for-long' CREATEDB");
  const pid = Number(readFileSync(join(h.stateDir, 'pgdata', 'postmaster.pid'), 'utf8').split('\n')[0]);
  process.kill(pid, 'SIGKILL');
  const down = await waitUntil(async () => {
    const r = await get();
    assert.equal(r.status, 200);
    assert.ok(r.ms < 1_000, `scrape took ${r.ms} ms`);
    return samples(r.body).get('cnpg_collector_up{cluster="t1"}') === '0' ? r : undefined;
  }, 20_000, 'a scrape with cnpg_collector_up 0').catch((err: unknown) => {
    // Name what the manager was doing: its last log lines and stderr.
    const tail = h.lines.slice(-15).map((l) => JSON.stringify(l).slice(0, 400)).join('\n');
    throw new Error(`${(err as Error).message}\nmanager exit: ${String(h.proc.exitCode)}\n${tail}\nstderr: ${h.stderr().slice(-1000)}`);
  });
  assert.equal(samples(down.body).get('cnpg_collector_last_collection_error'), '1');
  const downCheck = promtoolCheck(down.body);
  assert.ok(downCheck?.ok ?? true, `promtool check metrics:\n${downCheck?.output ?? ''}\n${down.body}`);
  await waitUntil(async () => (samples((await get()).body).get('cnpg_collector_up{cluster="t1"}') === '1' ? true : undefined), 60_000, 'postgres back up');
  await h.waitForLine((l) => l.msg === 'instance ready' && h.lines.filter((x) => x.msg === 'instance ready').length >= 2, 30_000, 'post-start tasks after the restart');
  assert.equal(await superuserQuery(h, "SELECT rolpassword IS NULL, rolcreatedb FROM pg_authid WHERE rolname = 'cnpg_metrics_exporter'"), 't|f');
});
