// From result sets to exposition text: names, labels, every usage, duplicate label sets, type conflicts,
// and promtool (when installed) accepting what we render.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import type { TextResult } from '../../../src/db/metrics-pool.js';
import { Exposition, escapeLabelValue, formatValue, lintSafeType } from '../../../src/metrics/exposition.js';
import { applyResult, compileQuery } from '../../../src/metrics/query-results.js';
import { parseQueries } from '../../../src/metrics/query-spec.js';

const TEXT = 25;
const INT = 23;
const FLOAT8_ARRAY = 1022;

function compiled(yaml: string) {
  const { queries, problems } = parseQueries(yaml);
  assert.deepEqual(problems, []);
  return queries.map((q) => compileQuery(q));
}

function result(columns: [string, number][], rows: (string | null)[][]): TextResult {
  return { columns: columns.map(([name, typeId]) => ({ name, typeId })), rows };
}

test('every usage renders with CNPG names; labels follow the declared order', () => {
  const [q] = compiled(`
u:
  query: "..."
  metrics:
    - db: {usage: LABEL}
    - junk: {usage: DISCARD}
    - kind: {usage: LABEL}
    - hits: {usage: COUNTER, description: "hits so far"}
    - level: {usage: GAUGE, name: depth}
    - state: {usage: MAPPEDMETRIC, metric_mapping: {up: 1, down: 0}}
    - wait: {usage: DURATION}
    - lat: {usage: HISTOGRAM}
`);
  assert.ok(q);
  const out = new Exposition();
  const report = applyResult(
    q,
    result(
      [['kind', TEXT], ['db', TEXT], ['junk', TEXT], ['hits', INT], ['level', INT], ['state', TEXT], ['wait', TEXT], ['lat', FLOAT8_ARRAY], ['lat_bucket', 1016], ['lat_sum', 701], ['lat_count', INT]],
      [
        ['a', 'x"1', 'zz', '10', '3', 'up', '1.5s', '{0.5,0.1}', '{4,2}', '2.5', '5'],
        ['b', 'x2', null, '11', null, 'sideways', '-1', '{1}', '{1}', '0.5', '1'],
      ],
    ),
    out,
  );
  assert.deepEqual(report, { samples: 15, duplicateRows: 0, problems: [] });
  assert.equal(
    out.render(),
    [
      '# HELP cnpg_u_hits hits so far',
      '# TYPE cnpg_u_hits untyped',
      'cnpg_u_hits{db="x\\"1",kind="a"} 10',
      'cnpg_u_hits{db="x2",kind="b"} 11',
      '# HELP cnpg_u_depth Column level of the u query',
      '# TYPE cnpg_u_depth gauge',
      'cnpg_u_depth{db="x\\"1",kind="a"} 3',
      'cnpg_u_depth{db="x2",kind="b"} NaN',
      '# HELP cnpg_u_state Column state of the u query',
      '# TYPE cnpg_u_state gauge',
      'cnpg_u_state{db="x\\"1",kind="a"} 1',
      '# HELP cnpg_u_wait_milliseconds Column wait of the u query',
      '# TYPE cnpg_u_wait_milliseconds gauge',
      'cnpg_u_wait_milliseconds{db="x\\"1",kind="a"} 1500',
      '# HELP cnpg_u_lat Column lat of the u query',
      '# TYPE cnpg_u_lat histogram',
      'cnpg_u_lat_bucket{db="x\\"1",kind="a",le="0.1"} 2',
      'cnpg_u_lat_bucket{db="x\\"1",kind="a",le="0.5"} 4',
      'cnpg_u_lat_bucket{db="x\\"1",kind="a",le="+Inf"} 5',
      'cnpg_u_lat_sum{db="x\\"1",kind="a"} 2.5',
      'cnpg_u_lat_count{db="x\\"1",kind="a"} 5',
      'cnpg_u_lat_bucket{db="x2",kind="b",le="1"} 1',
      'cnpg_u_lat_bucket{db="x2",kind="b",le="+Inf"} 1',
      'cnpg_u_lat_sum{db="x2",kind="b"} 0.5',
      'cnpg_u_lat_count{db="x2",kind="b"} 1',
      '',
    ].join('\n'),
  );
});

test('rows repeating a label set are dropped and counted; the first one stays', () => {
  const [q] = compiled('d: {query: "...", metrics: [{k: {usage: LABEL}}, {v: {usage: GAUGE}}]}');
  assert.ok(q);
  const out = new Exposition();
  const rows = result([['k', TEXT], ['v', INT]], [['a', '1'], ['a', '2'], ['b', '3']]);
  assert.equal(applyResult(q, rows, out).duplicateRows, 1);
  // The same query on a second database: every row is a repeat now.
  assert.equal(applyResult(q, rows, out).duplicateRows, 3);
  assert.equal(out.render(), '# HELP cnpg_d_v Column v of the d query\n# TYPE cnpg_d_v gauge\ncnpg_d_v{k="a"} 1\ncnpg_d_v{k="b"} 3\n');
});

test('a column count mismatch, a missing label column, a type conflict and a reserved name are problems', () => {
  const [q, r] = compiled(`
m: {query: "...", metrics: [{k: {usage: LABEL}}, {v: {usage: GAUGE}}]}
n: {query: "...", name: m, metrics: [{v: {usage: COUNTER}}]}
`);
  assert.ok(q && r);
  const out = new Exposition(new Set(['cnpg_m_w']));
  assert.match(applyResult(q, result([['v', INT]], [['1']]), out).problems[0] ?? '', /columns number mismatch/);
  assert.match(applyResult(q, result([['kk', TEXT], ['v', INT]], [['a', '1']]), out).problems[0] ?? '', /label column k/);
  assert.equal(applyResult(q, result([['k', TEXT], ['v', INT]], [['a', '1']]), out).samples, 1);
  assert.match(applyResult(r, result([['v', INT]], [['1']]), out).problems[0] ?? '', /already a gauge/);
  const [w] = compiled('m2: {query: "...", name: m, metrics: [{w: {usage: GAUGE}}]}');
  assert.ok(w);
  assert.match(applyResult(w, result([['w', INT]], [['1']]), out).problems[0] ?? '', /reserved/);
});

test('TYPE lines follow the linter where CNPG names do not; values print as Prometheus spells them', () => {
  assert.equal(lintSafeType('cnpg_backends_total', 'gauge'), 'untyped');
  assert.equal(lintSafeType('cnpg_pg_stat_database_xact_commit', 'counter'), 'untyped');
  assert.equal(lintSafeType('cnpg_errors_total', 'counter'), 'counter');
  assert.equal(lintSafeType('cnpg_pg_database_size_bytes', 'gauge'), 'gauge');
  assert.equal(formatValue(Number.NaN), 'NaN');
  assert.equal(formatValue(-Infinity), '-Inf');
  assert.equal(formatValue(1e21), '1e+21');
  assert.equal(escapeLabelValue('a\\b\n"c"'), 'a\\\\b\\n\\"c\\"');
});

test('promtool check metrics accepts the rendered text', (t) => {
  if (spawnSync('promtool', ['--version']).status !== 0) {
    t.skip('promtool not installed (Debian package prometheus)');
    return;
  }
  const [q] = compiled(`
p:
  query: "..."
  metrics:
    - datname: {usage: LABEL, description: "Database"}
    - calls: {usage: COUNTER, description: "Calls"}
    - size_bytes: {usage: GAUGE, description: "Size"}
    - lat: {usage: HISTOGRAM, description: "Latency"}
`);
  assert.ok(q);
  const out = new Exposition();
  applyResult(
    q,
    result([['datname', TEXT], ['calls', INT], ['size_bytes', INT], ['lat', FLOAT8_ARRAY], ['lat_bucket', 1016], ['lat_sum', 701], ['lat_count', INT]], [
      ['a\nb', '1', '2', '{1,2}', '{1,2}', '3', '2'],
      ['c', '1', null, '{1}', '{0}', '0', '0'],
    ]),
    out,
  );
  const check = spawnSync('promtool', ['check', 'metrics'], { input: out.render(), encoding: 'utf8' });
  assert.equal(check.status, 0, `${check.stdout}${check.stderr}\n${out.render()}`);
});
