// Custom queries end to end: a ConfigMap folder and a Secret feed every usage type, runonserver,
// predicates, target_databases over three databases and a duplicate-label query; the exporter role cannot
// write or read server files; a slow query is cancelled by statement_timeout while the rest is served;
// concurrent scrapes share one collection; an edited ConfigMap is picked up.
import { after as afterAll, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, manifest, REPO_ROOT, startManager, tempDir, type ManagerHandle } from '../helpers/manager.js';
import { killLeftovers, superuserQuery, waitUntil } from '../helpers/config-tree.js';
import { samples, scrape, type Scrape } from '../helpers/metrics-scrape.js';

const FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'metrics');
const dir = tempDir('pgim-metrics-q-');
let h: ManagerHandle;
let metricsPort: number;
let first: Scrape;

const SPEC = `
monitoring:
  disableDefaultQueries: true
  metricsQueriesTTL: "0"
  customQueriesConfigMap:
    - {name: queries, key: queries.yaml}
  customQueriesSecret:
    - {name: more-queries, key: queries.yaml}
`;

before(async () => {
  const state = join(dir, 'state');
  mkdirSync(join(state, 'configmaps', 'queries'), { recursive: true, mode: 0o755 });
  mkdirSync(join(state, 'secrets', 'more-queries'), { recursive: true, mode: 0o755 });
  copyFileSync(join(FIXTURES, 'all-usages.yaml'), join(state, 'configmaps', 'queries', 'queries.yaml'));
  copyFileSync(join(FIXTURES, 'secret-queries.yaml'), join(state, 'secrets', 'more-queries', 'queries.yaml'));
  metricsPort = await freePort();
  h = await startManager({ dir, manifestText: manifest('t1', SPEC), extraArgs: ['--metrics-port', String(metricsPort)] });
  await h.waitForLine((l) => l.msg === 'instance ready', 90_000, 'instance ready');
  await superuserQuery(h, 'CREATE DATABASE db1');
  await superuserQuery(h, 'CREATE TABLE public.metrics_probe (x int)', 'app');
  first = await scrape(metricsPort);
});

afterAll(async () => {
  await h?.stop();
  killLeftovers(dir);
  rmSync(dir, { recursive: true, force: true });
});

test('every usage type yields exactly the expected samples', () => {
  assert.equal(first.status, 200);
  assert.match(first.contentType, /^text\/plain; version=0\.0\.4/);
  const s = samples(first.body);
  const expected: Record<string, string> = {
    'cnpg_usages_hits{kind="alpha"}': '42',
    'cnpg_usages_depth{kind="alpha"}': '2.5',
    'cnpg_usages_state{kind="alpha"}': '1',
    'cnpg_usages_wait_milliseconds{kind="alpha"}': '1500',
    'cnpg_usages_lat_bucket{kind="alpha",le="0.1"}': '2',
    'cnpg_usages_lat_bucket{kind="alpha",le="0.5"}': '4',
    'cnpg_usages_lat_bucket{kind="alpha",le="+Inf"}': '5',
    'cnpg_usages_lat_sum{kind="alpha"}': '2.5',
    'cnpg_usages_lat_count{kind="alpha"}': '5',
    'cnpg_usages_flag{kind="alpha"}': '1',
    'cnpg_usages_at_time{kind="alpha"}': '1714564800',
    'cnpg_usages_nothing{kind="alpha"}': 'NaN',
    'cnpg_usages_total{kind="alpha"}': '7',
  };
  const got = Object.fromEntries([...s].filter(([k]) => k.startsWith('cnpg_usages_')));
  assert.deepEqual(got, expected);
  assert.match(first.body, /^# TYPE cnpg_usages_total counter$/m);
  assert.match(first.body, /^# TYPE cnpg_usages_lat histogram$/m);
  assert.match(first.body, /^# HELP cnpg_usages_hits Hits$/m);
});

test('runonserver and predicate_query decide what runs', () => {
  const s = samples(first.body);
  assert.equal(s.get('cnpg_runonserver_match_fixed'), '42');
  assert.equal(s.has('cnpg_runonserver_nomatch_fixed'), false);
  assert.equal(s.get('cnpg_predicate_true_v'), '1');
  assert.equal(s.get('cnpg_predicate_blank_v'), '1');
  for (const skipped of ['false', 'null', 'empty']) assert.equal(s.has(`cnpg_predicate_${skipped}_v`), false, skipped);
});

test("target_databases ['*'] covers the three databases; duplicate label sets are dropped and counted", () => {
  const s = samples(first.body);
  const perDb = [...s.keys()].filter((k) => k.startsWith('cnpg_all_dbs_one')).sort();
  assert.deepEqual(perDb, ['cnpg_all_dbs_one{datname="app"}', 'cnpg_all_dbs_one{datname="db1"}', 'cnpg_all_dbs_one{datname="postgres"}']);
  assert.deepEqual([...s].filter(([k]) => k.startsWith('cnpg_dup_labels_v')), [['cnpg_dup_labels_v{k="same"}', '1']]);
  const dupErrors = [...s].filter(([k]) => k.startsWith('cnpg_errors_total{errorUserQueries="dup_labels on db '));
  assert.equal(dupErrors.length, 2, first.body);
  for (const [k] of dupErrors) assert.match(k, /1 row\(s\) with a duplicate label set dropped/);
  assert.equal(s.get('cnpg_collector_lo_pages{datname="db1"}'), '0');
});

test('the exporter role is unprivileged: a writing query and a file read fail and are reported', async () => {
  const errors = [...samples(first.body).keys()].filter((k) => k.startsWith('cnpg_errors_total'));
  // PostgreSQL names the top-level statement (SELECT) of the data-modifying CTE.
  assert.ok(errors.some((k) => /^cnpg_errors_total\{errorUserQueries="writer on db app: cannot execute \w+ in a read-only transaction"\}$/.test(k)), errors.join('\n'));
  assert.ok(errors.some((k) => k.startsWith('cnpg_errors_total{errorUserQueries="reader_of_files on db app: permission denied')), errors.join('\n'));
  assert.equal(samples(first.body).get('cnpg_last_error'), '1');
  assert.equal(await superuserQuery(h, 'SELECT count(*) FROM public.metrics_probe', 'app'), '0');
  const role = await superuserQuery(
    h,
    "SELECT rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls, rolcanlogin, rolpassword IS NULL, (SELECT string_agg(b.rolname, ',' ORDER BY b.rolname) FROM pg_auth_members m JOIN pg_roles b ON b.oid = m.roleid WHERE m.member = a.oid) FROM pg_authid a WHERE rolname = 'cnpg_metrics_exporter'",
  );
  assert.equal(role, 'f|f|f|f|f|t|t|pg_monitor');
});

test('a slow query is cancelled by the statement timeout and reported; the rest of the scrape is served', () => {
  const s = samples(first.body);
  assert.ok([...s.keys()].some((k) => k === 'cnpg_errors_total{errorUserQueries="slow on db app: canceling statement due to statement timeout"}'), first.body);
  assert.equal(s.has('cnpg_slow_n'), false);
  assert.equal(s.get('cnpg_collector_up{cluster="t1"}'), '1');
  assert.ok(first.ms >= 4_500 && first.ms < 15_000, `scrape took ${first.ms} ms`);
});

test('Secret queries load after the ConfigMap and replace a query of the same name', () => {
  const s = samples(first.body);
  assert.equal(s.get('cnpg_from_secret_seven'), '7');
  assert.equal(s.get('cnpg_overridden_v'), '2');
  assert.equal(s.has('cnpg_pg_postmaster_start_time'), false, 'disableDefaultQueries');
});

test('concurrent scrapes share one collection', async () => {
  const before = Number(samples((await scrape(metricsPort)).body).get('cnpg_collector_collections_total'));
  const bodies = await Promise.all([scrape(metricsPort), scrape(metricsPort), scrape(metricsPort)]);
  const counts = bodies.map((b) => samples(b.body).get('cnpg_collector_collections_total'));
  assert.deepEqual(counts, [String(before + 1), String(before + 1), String(before + 1)]);
  assert.equal(new Set(bodies.map((b) => b.body)).size, 1, 'one body for all');
});

test('an edited ConfigMap is picked up without a restart', async () => {
  const file = join(h.stateDir, 'configmaps', 'queries', 'queries.yaml');
  // Drop the slow query (its key line and indented body) and add another.
  const lines = readFileSync(file, 'utf8').split('\n');
  const start = lines.indexOf('slow:');
  let end = start + 1;
  while (lines.at(end)?.startsWith(' ')) end++;
  lines.splice(start, end - start, 'added:', '  query: "SELECT 5 AS five"', '  metrics: [{five: {usage: GAUGE}}]');
  writeFileSync(file, lines.join('\n'));
  const next = await waitUntil(async () => {
    const r = await scrape(metricsPort);
    return samples(r.body).get('cnpg_added_five') === '5' ? r : undefined;
  }, 30_000, 'the added query in a scrape');
  assert.ok(next.ms < 4_000, `without the slow query the scrape is fast (${next.ms} ms)`);
  assert.equal([...samples(next.body).keys()].some((k) => k.includes('slow on db')), false);
});
