import { test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { quoteIdent, quoteLiteral, sqlState } from '../../../src/db/sql-text.js';

// The helpers replace pg's own escapers (so building a statement does not load the driver): they must
// quote exactly as pg does.
const samples = ['', 'plain', "it's", "''", 'back\\slash', "both ' and \\", '\\\\', 'new\nline', 'tab\t', '"dq"', 'ünïcødé ☃', "x'; DROP ROLE app; --"];

test('quoteLiteral matches pg.escapeLiteral on quotes, backslashes, newlines and unicode', () => {
  for (const s of samples) assert.equal(quoteLiteral(s), pg.escapeLiteral(s), JSON.stringify(s));
});

test('quoteIdent matches pg.escapeIdentifier', () => {
  for (const s of samples) assert.equal(quoteIdent(s), pg.escapeIdentifier(s), JSON.stringify(s));
});

test('sqlState returns only a five-character SQLSTATE', () => {
  assert.equal(sqlState({ code: '42P01' }), '42P01');
  assert.equal(sqlState({ code: 'ECONNREFUSED' }), undefined);
  assert.equal(sqlState({ code: 42 }), undefined);
  assert.equal(sqlState(new Error('x')), undefined);
});
