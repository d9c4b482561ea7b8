// The tablespace reconciler's plan (CNPG evaluateNextSteps): create what the database lacks, change an owner
// that differs from the spec, leave the rest; never drop.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planTablespaces } from '../../../src/reconcile/tablespaces.js';

test('create, update and none', () => {
  const spec = [
    { name: 'new', temporary: false },
    { name: 'moved', owner: 'app', temporary: false },
    { name: 'same', owner: 'app', temporary: true },
    { name: 'anyowner', temporary: false },
  ];
  const inDb = [
    { name: 'moved', owner: 'postgres' },
    { name: 'same', owner: 'app' },
    { name: 'anyowner', owner: 'someone' },
    { name: 'extra', owner: 'postgres' },
  ];
  assert.deepEqual(
    planTablespaces(spec, inDb).map((s) => [s.tablespace.name, s.action]),
    [['new', 'create'], ['moved', 'update'], ['same', 'none'], ['anyowner', 'none']],
  );
});
