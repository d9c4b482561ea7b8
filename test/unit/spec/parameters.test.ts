import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BLOCKED_PARAMETERS,
  FIXED_PARAMETERS,
  checkParameter,
  isBlockedParameter,
  isFixedParameter,
  isValidParameterName,
} from '../../../src/spec/parameters.js';

test('the lists hold exactly the 30 fixed and 34 blocked names of CNPG pkg/postgres/configuration.go', () => {
  assert.equal(FIXED_PARAMETERS.length, 30);
  assert.equal(BLOCKED_PARAMETERS.length, 34);
  assert.equal(new Set([...FIXED_PARAMETERS, ...BLOCKED_PARAMETERS]).size, 64);
});

const cases: [string, 'allowed' | 'fixed' | 'blocked'][] = [
  ['port', 'fixed'],
  ['PORT', 'fixed'],
  ['ssl_cert_file', 'fixed'],
  ['pg_failover_slots.primary_dsn', 'fixed'],
  ['synchronized_standby_slots', 'fixed'],
  ['listen_addresses', 'blocked'],
  ['Listen_Addresses', 'blocked'],
  ['hot_standby', 'blocked'],
  ['syslog_split_messages', 'blocked'],
  ['max_connections', 'allowed'],
  ['ssl_min_protocol_version', 'allowed'],
  ['allow_alter_system', 'allowed'],
];
for (const [name, expected] of cases) {
  test(`checkParameter(${name}) is ${expected}`, () => {
    assert.equal(checkParameter(name), expected);
    assert.equal(isFixedParameter(name), expected === 'fixed');
    assert.equal(isBlockedParameter(name), expected === 'blocked');
  });
}

test('parameter names follow the postgresql.conf lexer', () => {
  for (const good of ['work_mem', 'pg_stat_statements.max', '_x1']) assert.equal(isValidParameterName(good), true, good);
  for (const bad of ['', '1abc', 'a b', "x = 'y'", 'a.b.c', 'a\nb', 'work-mem']) {
    assert.equal(isValidParameterName(bad), false, JSON.stringify(bad));
  }
});
