// The custom-query collector against a scripted runner: planning (primary, runonserver, patterns), one
// failing query beside working ones, errors reset at each refresh, and the TTL cache.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import type { MonitoringOutcome } from '../../../src/db/metrics-pool.js';
import { QueryCollector, mapLimited, type QueryRunner } from '../../../src/metrics/query-collector.js';
import { compileQuery } from '../../../src/metrics/query-results.js';
import { parseQueries } from '../../../src/metrics/query-spec.js';
import { promtoolCheck } from '../../helpers/metrics-scrape.js';

const log = pino({ level: 'silent' });

class ScriptedRunner implements QueryRunner {
  calls: string[] = [];
  failing = new Set<string>();
  run(database: string, query: string): Promise<MonitoringOutcome> {
    this.calls.push(`${database}:${query}`);
    if (query.startsWith('SELECT datname')) {
      return Promise.resolve({ kind: 'rows', result: { columns: [{ name: 'datname', typeId: 19 }], rows: [['app'], ['db1'], ['postgres']] } });
    }
    if (this.failing.has(query)) return Promise.reject(Object.assign(new Error(`${query} failed`), { code: '42P01' }));
    if (query === 'skip') return Promise.resolve({ kind: 'skipped', reason: 'predicate returned false' });
    return Promise.resolve({ kind: 'rows', result: { columns: [{ name: 'v', typeId: 23 }], rows: [['7']] } });
  }
}

const YAML = `
ok: {query: ok, metrics: [{v: {usage: GAUGE}}]}
bad: {query: bad, metrics: [{v: {usage: GAUGE}}]}
skipped: {query: skip, metrics: [{v: {usage: GAUGE}}]}
replica_only_not: {query: prim, primary: true, metrics: [{v: {usage: GAUGE}}]}
old: {query: old, runonserver: "<15.0.0", metrics: [{v: {usage: GAUGE}}]}
broken_range: {query: br, runonserver: ">=abc", metrics: [{v: {usage: GAUGE}}]}
everywhere: {query: all, target_databases: ["*"], metrics: [{v: {usage: GAUGE}}]}
`;

function collector(runner: ScriptedRunner): QueryCollector {
  const c = new QueryCollector({ db: runner, log, timeoutMs: 1000 });
  c.setQueries(parseQueries(YAML).queries.map((q) => compileQuery(q)), ['configmap x does not exist']);
  return c;
}

test('plans by role, version and pattern; a failing query is reported while the others are served', async () => {
  const runner = new ScriptedRunner();
  runner.failing.add('bad');
  const c = collector(runner);
  const text = await c.collect({ isPrimary: false, version: [15, 0, 4], defaultDatabase: 'app' }, 30, 1_000_000);
  assert.deepEqual(runner.calls.filter((x) => !x.includes('SELECT datname')).sort(), ['app:all', 'app:bad', 'app:ok', 'app:skip', 'db1:all', 'postgres:all']);
  assert.match(text, /^cnpg_ok_v 7$/m);
  assert.doesNotMatch(text, /cnpg_skipped_v/);
  assert.match(text, /^cnpg_everywhere_v 7$/m, 'one sample survives');
  assert.match(text, /^cnpg_errors_total\{errorUserQueries="bad on db app: bad failed"\} 1$/m);
  assert.match(text, /^cnpg_errors_total\{errorUserQueries="broken_range: invalid version range .*"\} 1$/m);
  assert.match(text, /^cnpg_errors_total\{errorUserQueries="configmap x does not exist"\} 1$/m);
  assert.match(text, /^cnpg_errors_total\{errorUserQueries="everywhere on db (db1|postgres): 1 row\(s\) with a duplicate label set dropped"\} 1$/m);
  assert.match(text, /^cnpg_last_error 1$/m);
  assert.match(text, /^cnpg_cache_miss 1$/m);
  assert.match(text, /^cnpg_last_update_timestamp 1000$/m);
  // With errors the text still parses; promtool's one finding is CNPG's camelCase label name (kept: contract).
  const check = promtoolCheck(text);
  if (check) {
    assert.ok(check.ok, check.output);
    assert.match(check.output, /cnpg_errors_total label names should be written in 'snake_case'/);
  }
});

test('within the TTL the cached text is served; after it, errors are recomputed from scratch', async () => {
  const runner = new ScriptedRunner();
  runner.failing.add('bad');
  const c = collector(runner);
  const ctx = { isPrimary: true, version: [15, 0, 4] as const, defaultDatabase: 'app' };
  await c.collect(ctx, 30, 1_000_000);
  const calls = runner.calls.length;
  const cached = await c.collect(ctx, 30, 1_010_000);
  assert.equal(runner.calls.length, calls, 'no query ran');
  assert.match(cached, /^cnpg_cache_hits 1$/m);
  assert.match(cached, /^cnpg_cache_miss 0$/m);
  runner.failing.clear();
  c.setQueries(parseQueries('ok: {query: ok, metrics: [{v: {usage: GAUGE}}]}').queries.map((q) => compileQuery(q)), []);
  const fresh = await c.collect(ctx, 30, 1_020_000);
  assert.doesNotMatch(fresh, /cnpg_errors_total/);
  assert.match(fresh, /^cnpg_last_error 0$/m);
  assert.match(fresh, /^cnpg_prim|^cnpg_ok_v 7$/m);
  assert.equal((await c.collect(ctx, 0, 1_020_001)).includes('cnpg_cache_miss 1'), true, 'TTL 0 runs every scrape');
});

test('mapLimited keeps order and never exceeds the limit', async () => {
  let inFlight = 0;
  let peak = 0;
  const results = await mapLimited([5, 1, 3, 2, 4], 2, async (n) => {
    inFlight++;
    peak = Math.max(peak, inFlight);
    await new Promise((r) => setTimeout(r, n));
    inFlight--;
    if (n === 3) throw new Error('three');
    return n * 10;
  });
  assert.equal(peak, 2);
  assert.deepEqual(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message)), [50, 10, 'three', 20, 40]);
});
