import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCsvText } from '../../../src/log/csv-parser.js';
import { CsvLogLayout, parseAuditMessage, severityToLevel, type MappedRecord } from '../../../src/log/csv-record.js';
import { fixture } from './fixtures.js';

function mapFile(name: string): MappedRecord[] {
  const layout = new CsvLogLayout();
  return parseCsvText(fixture(name).toString('utf8')).map((r) => layout.map(r.fields, r.truncated));
}

function records(name: string): Extract<MappedRecord, { kind: 'record' }>[] {
  return mapFile(name).map((m) => {
    if (m.kind !== 'record') assert.fail(`unexpected ${JSON.stringify(m)}`);
    return m;
  });
}

test('real PostgreSQL 15 csvlog: the failing query keeps its newlines', () => {
  const all = records('pg15-real.csv');
  const errors = all.filter((r) => r.level === 'error');
  assert.equal(errors.length, 1);
  const err = errors[0]?.record;
  assert.equal(err?.error_severity, 'ERROR');
  assert.equal(err?.sql_state_code, '42601');
  assert.equal(err?.message, 'syntax error at or near "selecct"');
  assert.equal(err?.query, 'selecct 1\nwith newlines\n, "quoted" é;');
  assert.equal(err?.query_pos, '1');
  assert.equal(err?.user_name, 'postgres');
  assert.equal(err?.database_name, 'postgres');
  assert.equal(err?.application_name, 'psql');
  assert.equal(err?.backend_type, 'client backend');
  assert.equal(err?.query_id, '0');
  assert.equal(errors[0]?.logger, 'postgres');
  // omitempty: empty fields have no key at all
  assert.equal('detail' in (err ?? {}), false);
  assert.equal('leader_pid' in (err ?? {}), false);
  const first = all[0]?.record;
  assert.equal(first?.hint, 'Future log output will go to log destination "csvlog".');
  assert.equal(first?.backend_type, 'postmaster');
  assert.equal('user_name' in (first ?? {}), false);
  assert.equal('application_name' in (first ?? {}), false); // written as "" by postgres
});

test('PG13 layout (24 fields) and a 9-field pgaudit line', () => {
  const all = records('pg13-24fields.csv');
  assert.deepEqual(
    all.map((r) => [r.logger, r.level]),
    [
      ['postgres', 'info'],
      ['postgres', 'error'],
      ['postgres', 'warning'],
      ['pgaudit', 'info'],
      ['postgres', 'debug'],
    ],
  );
  assert.equal(all[0]?.record.backend_type, 'client backend');
  assert.equal(all[0]?.record.query_id, undefined);
  assert.equal(all[1]?.record.query, `select 'x, y'::int\n  -- "quoted", comma\n`);
  const audit = all[3]?.record;
  assert.equal(audit?.message, undefined);
  assert.deepEqual(audit?.audit, {
    audit_type: 'SESSION',
    statement_id: '1',
    substatement_id: '1',
    class: 'READ',
    command: 'SELECT',
    statement: 'select 1, "two"\nfrom t',
    parameter: '<not logged>',
  });
});

test('PG14 layout (26 fields), a 10-field pgaudit line and lookalikes that are not audit lines', () => {
  const all = records('pg14-26fields.csv');
  assert.equal(all[0]?.record.query_id, '-123456789');
  assert.equal(all[1]?.logger, 'pgaudit');
  assert.equal(all[1]?.record.audit?.rows, '1');
  assert.equal(all[1]?.record.audit?.object_name, 'public.t');
  assert.equal(all[1]?.record.audit?.statement, "insert into t values (1, 'a,b')");
  assert.equal(all[2]?.level, 'error'); // FATAL
  assert.equal(all[3]?.logger, 'postgres'); // AUDIT tag but 4 fields
  assert.equal(all[3]?.record.message, 'AUDIT: not,a,valid,audit');
  assert.equal(all[4]?.logger, 'postgres'); // another tag
  assert.equal(all[5]?.record.query, 'selecct 1\nwith newlines\n, "quoted", é;');
});

test('the first record decides the field count; others are reported as invalid', () => {
  const layout = new CsvLogLayout();
  const f = (n: number): string[] => Array.from({ length: n }, (_, i) => `v${i}`);
  assert.deepEqual(layout.map(f(25)), { kind: 'invalid', got: 25, expected: [23, 24, 26], fields: f(25) });
  assert.equal(layout.map(f(24)).kind, 'record');
  assert.deepEqual(layout.map(f(26)), { kind: 'invalid', got: 26, expected: [24], fields: f(26) });
  assert.equal(layout.map(f(24)).kind, 'record');
  // A truncated record is mapped by position, whatever its length.
  assert.equal(layout.map(f(5), true).kind, 'record');
  layout.reset();
  assert.equal(layout.map(f(26)).kind, 'record');
});

test('severity to level', () => {
  const table: [string | undefined, string][] = [
    ['PANIC', 'error'],
    ['FATAL', 'error'],
    ['ERROR', 'error'],
    ['WARNING', 'warning'],
    ['NOTICE', 'info'],
    ['INFO', 'info'],
    ['LOG', 'info'],
    ['DEBUG1', 'debug'],
    ['DEBUG5', 'debug'],
    [undefined, 'info'],
  ];
  for (const [sev, level] of table) assert.equal(severityToLevel(sev), level, String(sev));
});

test('parseAuditMessage needs the AUDIT tag and 9 or 10 fields', () => {
  assert.equal(parseAuditMessage(undefined), undefined);
  assert.equal(parseAuditMessage('AUDIT: a,b,c'), undefined);
  assert.equal(parseAuditMessage('audit: S,1,1,READ,SELECT,,,x,y'), undefined);
  assert.equal(parseAuditMessage('AUDIT: S,1,1,READ,SELECT,,,x,y,1,extra'), undefined);
  assert.equal(parseAuditMessage('AUDIT: S,1,1,READ,SELECT,,,"x\ny",<none>')?.statement, 'x\ny');
});
