import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseLsn } from '../../../src/model/lsn.js';

test('LSNs compare as 64-bit positions; anything else is not an LSN', () => {
  assert.equal(parseLsn('0/5000028'), 0x5000028n);
  assert.equal(parseLsn('1/0'), 0x100000000n);
  assert.ok((parseLsn('1/0') ?? 0n) > (parseLsn('0/FFFFFFFF') ?? 0n));
  assert.equal(parseLsn('16/B374D848'), (0x16n << 32n) + 0xb374d848n);
  for (const bad of ['5000028', '', undefined, '0/', 'G/1', '123456789/0']) assert.equal(parseLsn(bad), undefined, String(bad));
});
