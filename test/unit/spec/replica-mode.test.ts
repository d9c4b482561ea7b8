// Which Clusters are replica clusters, who is their designated primary, and the refusal of a new replica
// cluster made by initdb (checked before initdb only: an existing primary cluster may be switched into replica
// mode, which demotes it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stringify } from 'yaml';
import { ManifestError } from '../../../src/errors.js';
import { parseClusterManifest } from '../../../src/spec/load-manifest.js';
import { isDesignatedPrimary, isReplicaCluster, refuseInitdbReplica } from '../../../src/spec/replica-mode.js';
import type { Cluster } from '../../../src/spec/cluster.js';

function cluster(spec: Record<string, unknown>, status: Record<string, unknown> = {}): Cluster {
  const c = parseClusterManifest(stringify({ apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', metadata: { name: 'a' }, spec }), 'c.yaml', { namespace: 'default' });
  return { ...c, status };
}

const EXTERNAL = { externalClusters: [{ name: 'a', connectionParameters: { host: 'ha' } }, { name: 'b', connectionParameters: { host: 'hb' } }] };

test('replica mode: enabled decides alone, else primary names another cluster than self', () => {
  const rows: [Record<string, unknown> | undefined, boolean][] = [
    [undefined, false],
    [{ enabled: true, source: 'b' }, true],
    [{ enabled: false, source: 'b' }, false],
    [{ primary: 'a', source: 'b' }, false],
    [{ primary: 'b', source: 'b' }, true],
    [{ self: 'b', primary: 'b', source: 'a' }, false],
  ];
  for (const [replica, expected] of rows) {
    assert.equal(isReplicaCluster(cluster({ ...EXTERNAL, ...(replica ? { replica } : {}) })), expected, JSON.stringify(replica));
  }
});

test('the designated primary is the target primary of a replica cluster only', () => {
  const status = { targetPrimary: 'a-1', currentPrimary: 'a-1' };
  assert.equal(isDesignatedPrimary(cluster({ ...EXTERNAL, replica: { enabled: true, source: 'b' } }, status), 'a-1'), true);
  assert.equal(isDesignatedPrimary(cluster({ ...EXTERNAL, replica: { enabled: true, source: 'b' } }, status), 'a-2'), false);
  assert.equal(isDesignatedPrimary(cluster(EXTERNAL, status), 'a-1'), false);
});

test('initdb of a replica cluster is refused naming spec.bootstrap; a primary cluster is not', () => {
  assert.throws(
    () => refuseInitdbReplica(cluster({ ...EXTERNAL, replica: { enabled: true, source: 'b' } })),
    (err: unknown) => err instanceof ManifestError && err.path === 'spec.bootstrap' && /bootstraps by pg_basebackup or recovery/.test(err.message),
  );
  refuseInitdbReplica(cluster({ ...EXTERNAL, replica: { enabled: false, source: 'b' } }));
  refuseInitdbReplica(cluster(EXTERNAL));
});
