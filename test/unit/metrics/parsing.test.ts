// The queries file parser, runonserver ranges, target_databases patterns and value conversion.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseQueries } from '../../../src/metrics/query-spec.js';
import { parseRange, serverSemver, satisfies } from '../../../src/metrics/semver-range.js';
import { expandTargets, isPattern, patternRegExp } from '../../../src/metrics/target-databases.js';
import { durationMilliseconds, parseNumber, parseNumberArray, timestampSeconds, toLabelValue, toSampleValue } from '../../../src/metrics/value-convert.js';

test('a query with every usage parses; CNPG fields it ignores are accepted', () => {
  const { queries, problems } = parseQueries(`
q1:
  query: "SELECT 1"
  primary: true
  runonserver: ">=15.0.0"
  target_databases: ["app", "*"]
  predicate_query: "SELECT true"
  name: renamed
  cache_seconds: 30
  metrics:
    - a: {usage: LABEL, description: "A"}
    - b: {usage: DISCARD}
    - c: {usage: COUNTER, name: cc}
    - d: {usage: GAUGE}
    - e: {usage: MAPPEDMETRIC, metric_mapping: {on: 1, off: 0}}
    - f: {usage: DURATION, pg_version: "x"}
    - g: {usage: HISTOGRAM}
`);
  assert.deepEqual(problems, []);
  const q = queries[0];
  assert.ok(q);
  assert.equal(q.name, 'q1');
  assert.equal(q.namespace, 'renamed');
  assert.equal(q.primary, true);
  assert.equal(q.runOnServer, '>=15.0.0');
  assert.deepEqual(q.targetDatabases, ['app', '*']);
  assert.deepEqual(q.metrics.map((m) => m.usage), ['LABEL', 'DISCARD', 'COUNTER', 'GAUGE', 'MAPPEDMETRIC', 'DURATION', 'HISTOGRAM']);
  assert.equal(q.metrics[2]?.name, 'cc');
  assert.deepEqual([...(q.metrics[4]?.mapping ?? [])], [['on', 1], ['off', 0]]);
});

test('bad entries are refused one by one with a reason; the others load', () => {
  const { queries, problems } = parseQueries(`
good: {query: "SELECT 1 AS x", metrics: [{x: {usage: GAUGE}}]}
nometrics: {query: "SELECT 1"}
badusage: {query: "SELECT 1 AS x", metrics: [{x: {usage: SUMMARY}}]}
noquery: {metrics: [{x: {usage: GAUGE}}]}
typo: {query: "SELECT 1 AS x", predicate_querry: "SELECT true", metrics: [{x: {usage: GAUGE}}]}
badname: {query: "SELECT 1", metrics: [{"x-y": {usage: GAUGE}}]}
twice: {query: "SELECT 1", metrics: [{x: {usage: GAUGE}}, {x: {usage: COUNTER}}]}
nomap: {query: "SELECT 1", metrics: [{x: {usage: MAPPEDMETRIC}}]}
master: {query: "SELECT 1 AS x", master: true, metrics: [{x: {usage: gauge}}]}
`);
  assert.deepEqual(queries.map((q) => q.name), ['good', 'master']);
  assert.equal(queries[1]?.primary, true, 'master is the deprecated alias of primary');
  assert.deepEqual(problems.map((p) => p.query), ['nometrics', 'badusage', 'noquery', 'typo', 'badname', 'twice', 'nomap']);
  assert.match(problems.find((p) => p.query === 'typo')?.message ?? '', /predicate_querry/);
  assert.throws(() => parseQueries('- a\n- b\n'), /mapping of query names/);
  assert.throws(() => parseQueries('a: [unclosed'));
  assert.deepEqual(parseQueries(''), { queries: [], problems: [] });
});

test('server_version_num maps to CNPG semver and ranges follow semver rules', () => {
  assert.deepEqual(serverSemver(150018), [15, 0, 18]);
  assert.deepEqual(serverSemver(90624), [9, 6, 24]);
  const v15 = serverSemver(150018);
  for (const [range, expected] of [
    ['<17.0.0', true], ['>=17.0.0', false], ['>=12.0.0 <=15.0.0', false], ['>=12.0.0 <=15.0.18', true],
    ['>=12.0.0, <16.0.0', true], ['>=16 || <15.0.19', true], ['>=16 || <15.0.5', false], ['15', true],
    ['15.x', true], ['=15.0.18', true], ['!=15.0.18', false], ['~15.0.1', true], ['^14.0.0', false], ['*', true],
    ['> 14', true], ['<=14', false],
  ] as const) {
    assert.equal(satisfies(v15, range), expected, range);
  }
  assert.throws(() => parseRange('>=fifteen'), /cannot parse "fifteen"|cannot parse ">=fifteen"/);
  assert.throws(() => parseRange('>=15 ||'), /empty alternative/);
});

test('target_databases: names as given, path.Match patterns against the accessible list', () => {
  assert.equal(isPattern('app'), false);
  assert.equal(isPattern('db?'), true);
  assert.equal(isPattern('[ab]x'), true);
  const dbs = ['app', 'db1', 'db2', 'other', 'postgres'];
  assert.deepEqual(expandTargets([], 'app', dbs), ['app']);
  assert.deepEqual(expandTargets(['*'], 'app', dbs), dbs);
  assert.deepEqual(expandTargets(['db?', 'app'], 'app', dbs), ['app', 'db1', 'db2']);
  assert.deepEqual(expandTargets(['db[^1]', 'missing'], 'app', dbs), ['db2', 'missing']);
  assert.deepEqual(expandTargets(['[unclosed'], 'app', dbs), []);
  assert.equal(patternRegExp('a.b*')?.test('a.bcd'), true);
  assert.equal(patternRegExp('a.b*')?.test('axbcd'), false);
});

test('values convert by type OID as CNPG does; bad text drops the sample', () => {
  assert.equal(toSampleValue('42', 23), 42);
  assert.equal(toSampleValue('-1.5e3', 1700), -1500);
  assert.equal(toSampleValue('t', 16), 1);
  assert.equal(toSampleValue('f', 16), 0);
  assert.ok(Number.isNaN(toSampleValue(null, 23)));
  assert.equal(toSampleValue('abc', 25), undefined);
  assert.equal(toSampleValue('12', 25), 12, 'numeric text in a text column parses');
  assert.equal(toSampleValue('2024-05-01 12:00:00.5+00', 1184), 1714564800.5);
  assert.equal(toSampleValue('2024-05-01 14:00:00+02', 1184), 1714564800);
  assert.equal(toSampleValue('2024-05-01', 1082), 1714521600);
  assert.equal(timestampSeconds('infinity'), Infinity);
  assert.equal(parseNumber('NaN'), Number.NaN);
  assert.equal(parseNumber('-Infinity'), -Infinity);
  assert.equal(parseNumber('1.2.3'), undefined);
  assert.equal(toLabelValue(null, 25), '');
  assert.equal(toLabelValue('t', 16), 'true');
  assert.equal(durationMilliseconds('1.5s'), 1500);
  assert.equal(durationMilliseconds('2m3ms'), 120003);
  assert.equal(durationMilliseconds('1.9ms'), 1, 'whole milliseconds, as Go d / time.Millisecond');
  assert.equal(durationMilliseconds('-1'), undefined);
  assert.equal(durationMilliseconds('soon'), undefined);
  assert.deepEqual(parseNumberArray('{1,2.5,"3"}'), [1, 2.5, 3]);
  assert.deepEqual(parseNumberArray('{}'), []);
  assert.equal(parseNumberArray('{1,NULLX}'), undefined);
});
