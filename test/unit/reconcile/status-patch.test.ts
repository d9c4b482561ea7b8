// The reconcile's status patch: currentPrimary for a primary or a replica cluster's designated primary, and the
// phase, which keeps a promotion phase held by the promotion gate while a promotion token is still asked for.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statusPatch } from '../../../src/reconcile/status-patch.js';
import { createInstanceState } from '../../../src/model/instance-state.js';
import type { Cluster } from '../../../src/spec/cluster.js';

const cluster = (replica: Record<string, unknown> | undefined, status: Record<string, unknown> = { targetPrimary: 'rc-1' }): Cluster =>
  ({ name: 'rc', spec: replica ? { replica } : {}, raw: { spec: {} }, status }) as unknown as Cluster;

test('the designated primary (a standby) is reported currentPrimary; a plain standby is not', () => {
  const state = createInstanceState('rc', 'rc-1');
  state.role = 'replica';
  assert.equal(statusPatch(cluster({ enabled: true, source: 'src' }), state).currentPrimary, 'rc-1');
  assert.equal(statusPatch(cluster(undefined), state).currentPrimary, undefined);
});

test('a held promotion phase is kept while a promotion token is asked for, and only then', () => {
  const state = createInstanceState('rc', 'rc-1');
  state.heldPhase = { phase: 'Cluster is unrecoverable and needs manual intervention', reason: 'mismatching system identifiers' };
  const asked = statusPatch(cluster({ enabled: false, source: 'src', promotionToken: 'x' }), state);
  assert.deepEqual([asked.phase, asked.phaseReason], ['Cluster is unrecoverable and needs manual intervention', 'mismatching system identifiers']);
  // Back in replica mode (or no token): the reconcile's own phase.
  assert.equal(statusPatch(cluster({ enabled: true, source: 'src' }), state).phase, 'Cluster in healthy state');
  assert.equal(statusPatch(cluster(undefined), state).phase, 'Cluster in healthy state');
});
