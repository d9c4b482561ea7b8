// isoTime against Date.prototype.toISOString: the same string for every time the manager can meet.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isoTime } from '../../../src/log/iso-time.js';

const EDGES = [
  0,
  -1,
  1,
  Date.UTC(1969, 11, 31, 23, 59, 59, 999),
  Date.UTC(2000, 1, 29, 12, 0, 0, 5),
  Date.UTC(2000, 2, 1),
  Date.UTC(2100, 1, 28, 23, 59, 59, 999),
  Date.UTC(2100, 2, 1),
  Date.UTC(2024, 1, 29, 8, 7, 6, 50),
  Date.UTC(1600, 1, 29),
  Date.UTC(1900, 0, 1),
  -62_167_219_200_000, // 0000-01-01T00:00:00.000Z
  253_402_300_799_999, // 9999-12-31T23:59:59.999Z
];

test('isoTime: the edges of months, leap years, centuries and the supported range', () => {
  for (const ms of EDGES) assert.equal(isoTime(ms), new Date(ms).toISOString(), `ms ${ms}`);
});

test('isoTime: 100,000 random times from year 0000 to 9999', () => {
  // A fixed linear congruential sequence: the same times on every run.
  let seed = 12_345;
  for (let i = 0; i < 100_000; i++) {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    const ms = Math.floor(-62_167_219_200_000 + (seed / 2 ** 31) * (253_402_300_799_999 + 62_167_219_200_000));
    assert.equal(isoTime(ms), new Date(ms).toISOString(), `ms ${ms}`);
  }
});

test('isoTime: now by default; a time outside 0000-9999 or not finite is a RangeError', () => {
  const before = Date.now();
  const now = Date.parse(isoTime());
  assert.ok(now >= before && now <= Date.now(), 'the default is the current time');
  for (const bad of [Number.NaN, Infinity, -62_167_219_200_001, 253_402_300_800_000]) {
    assert.throws(() => isoTime(bad), RangeError, String(bad));
  }
});
