import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseQuantity } from '../../../src/status/quantity.js';

test('Kubernetes quantities as bytes', () => {
  const cases: [string, number][] = [
    ['1024', 1024],
    ['16Mi', 16 * 1024 * 1024],
    ['1Gi', 2 ** 30],
    ['2k', 2000],
    ['1.5M', 1_500_000],
    ['1e3', 1000],
    ['0', 0],
  ];
  for (const [text, bytes] of cases) assert.equal(parseQuantity(text), bytes, text);
});

test('a malformed quantity is refused', () => {
  for (const bad of ['', 'Mi', '16 MB', '1x', '--1']) assert.throws(() => parseQuantity(bad), /not a Kubernetes quantity/, bad);
});
