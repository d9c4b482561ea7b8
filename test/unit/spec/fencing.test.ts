// Who the cnpg.io/fencedInstances annotation fences: the named pods, or everyone with "*"; a value that is not a
// JSON list fences nobody (CNPG pkg/utils/fencing.go).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Cluster } from '../../../src/spec/cluster.js';
import { isFenced } from '../../../src/spec/fencing.js';

const withAnnotation = (value: unknown): Cluster => ({ raw: { metadata: { annotations: value === undefined ? {} : { 'cnpg.io/fencedInstances': value } } } }) as unknown as Cluster;

test('the annotation read as CNPG does', () => {
  const cases: [unknown, boolean][] = [
    [undefined, false],
    ['', false],
    ['["pg-1"]', true],
    ['["pg-2"]', false],
    ['["*"]', true],
    ['not json', false],
    ['{"pg-1": true}', false],
    [['pg-1'], false],
  ];
  for (const [value, fenced] of cases) assert.equal(isFenced(withAnnotation(value), 'pg-1'), fenced, JSON.stringify(value));
});
