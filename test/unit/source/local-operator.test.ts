// The embedded default plays the operator's role for targetPrimary (the shared status patch never writes
// it): a one-instance Cluster without a target primary elects its only pod, written with the first status
// patch; with more instances it elects <cluster>-1; a target already chosen is left alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileSpecSource } from '../../../src/source/file-source.js';
import { localOperatorPatch } from '../../../src/source/local-operator.js';
import { statusPatch } from '../../../src/reconcile/status-patch.js';
import { createInstanceState } from '../../../src/model/instance-state.js';
import type { Cluster } from '../../../src/spec/cluster.js';

function cluster(instances: number, status: Record<string, unknown> = {}): Cluster {
  return { name: 'c1', spec: { instances }, status } as unknown as Cluster;
}

test('localOperatorPatch elects the only pod of a one-instance Cluster, <cluster>-1 of a larger one, and nothing once set', () => {
  assert.deepEqual(localOperatorPatch(cluster(1), undefined), { targetPrimary: 'c1-1' });
  assert.deepEqual(localOperatorPatch(cluster(1), 'pod-a'), { targetPrimary: 'pod-a' });
  assert.equal(localOperatorPatch(cluster(1, { targetPrimary: 'c1-2' }), 'c1-1'), undefined);
  // Several instances: always the first one, never the pod asking (no two self-elected primaries).
  assert.deepEqual(localOperatorPatch(cluster(3), 'c1-2'), { targetPrimary: 'c1-1' });
  assert.deepEqual(localOperatorPatch(cluster(3), 'c1-1'), { targetPrimary: 'c1-1' });
  assert.equal(localOperatorPatch(cluster(3, { targetPrimary: 'c1-3' }), 'c1-2'), undefined);
});

test('statusPatch never writes targetPrimary; currentPrimary only on the target primary that is not yet current', () => {
  const state = createInstanceState('c1', 'c1-1');
  const first = statusPatch(cluster(1, { targetPrimary: 'c1-1' }), state);
  assert.equal(first.currentPrimary, 'c1-1');
  assert.equal(typeof first.currentPrimaryTimestamp, 'string');
  assert.equal('targetPrimary' in first, false);
  assert.equal('currentPrimary' in statusPatch(cluster(1, { targetPrimary: 'c1-1', currentPrimary: 'c1-1' }), state), false);
  assert.equal('currentPrimary' in statusPatch(cluster(1, { targetPrimary: 'c1-2' }), state), false);
  assert.equal('currentPrimary' in statusPatch(cluster(1), state), false);
});

test('the file source writes its election with the first status patch, as the operator would', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pgim-localop-'));
  try {
    const manifestPath = join(dir, 'cluster.yaml');
    writeFileSync(manifestPath, 'apiVersion: postgresql.cnpg.io/v1\nkind: Cluster\nmetadata:\n  name: c1\nspec:\n  instances: 1\n');
    const statusFile = join(dir, 'status.json');
    const source = new FileSpecSource({ manifestPath, secretsDir: join(dir, 'secrets'), statusFile, podName: 'c1-1' });
    const loaded = await source.load();
    assert.equal(loaded.status.targetPrimary, 'c1-1');
    await source.patchStatus(statusPatch(loaded, createInstanceState('c1', 'c1-1')));
    const written = JSON.parse(readFileSync(statusFile, 'utf8')) as Record<string, unknown>;
    assert.equal(written.targetPrimary, 'c1-1');
    assert.equal(written.currentPrimary, 'c1-1');
    assert.equal(written.phase, 'Cluster in healthy state');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
