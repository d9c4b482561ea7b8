// status.managedRolesStatus as a merge patch: empty statuses and roles that no longer fail are sent as null,
// so they leave the status (RFC 7386), and the recorded passwordStatus is read back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { managedRolesPatch, recordedPasswords, recordedProblemRoles } from '../../../src/roles/roles-status.js';
import { mergePatch } from '../../../src/source/status-file.js';

test('a role that no longer fails, and an empty status, leave the status', () => {
  const before = { managedRolesStatus: { byStatus: { reconciled: ['a'], 'pending-reconciliation': ['b', 'c'] }, cannotReconcile: { b: ['x'], c: ['y'] } } };
  const patch = managedRolesPatch(
    { byStatus: { reconciled: ['a', 'b'], 'not-managed': [], 'pending-reconciliation': ['c'], reserved: ['postgres'] }, cannotReconcile: new Map([['c', ['z']]]), passwordStatus: new Map([['a', { transactionID: 7, resourceVersion: '1' }]]) },
    recordedProblemRoles(before),
  );
  assert.deepEqual(mergePatch(before, patch), {
    managedRolesStatus: {
      byStatus: { reconciled: ['a', 'b'], 'pending-reconciliation': ['c'], reserved: ['postgres'] },
      cannotReconcile: { c: ['z'] },
      passwordStatus: { a: { transactionID: 7, resourceVersion: '1' } },
    },
  });
  const clean = managedRolesPatch({ byStatus: { reconciled: ['a'], 'not-managed': [], 'pending-reconciliation': [], reserved: [] }, cannotReconcile: new Map(), passwordStatus: new Map() }, ['c']);
  assert.deepEqual(mergePatch(before, clean), { managedRolesStatus: { byStatus: { reconciled: ['a'] }, passwordStatus: {} } });
});

test('the recorded passwordStatus is read back, CNPG omitempty fields defaulted, odd shapes ignored', () => {
  const read = recordedPasswords({ managedRolesStatus: { passwordStatus: { a: { transactionID: 5, resourceVersion: '9' }, b: {}, c: 'x' } } });
  assert.deepEqual([...read], [['a', { transactionID: 5, resourceVersion: '9' }], ['b', { transactionID: 0, resourceVersion: '' }]]);
  assert.deepEqual([...recordedPasswords({})], []);
});
