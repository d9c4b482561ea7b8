// spec.walStorage, spec.tablespaces (list and the older map form) and bootstrap.recovery.volumeSnapshots as the
// loader reads them, and temp_tablespaces from the temporary ones.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stringify } from 'yaml';
import { parseClusterManifest } from '../../../src/spec/load-manifest.js';
import { temporaryTablespaces } from '../../../src/spec/validate-storage.js';

const load = (spec: Record<string, unknown>) => parseClusterManifest(stringify({ apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', metadata: { name: 'pg' }, spec }), 'x.yaml', { namespace: 'default' }).spec;

test('walStorage is a flag; storage fields are the operator\'s', () => {
  assert.equal(load({ walStorage: { size: '1Gi', storageClass: 'standard' } }).walStorage, true);
  assert.equal(load({}).walStorage, undefined);
});

test('tablespaces as a list, with owner and temporary', () => {
  const spec = load({ tablespaces: [{ name: 'a', storage: { size: '1Gi' }, owner: { name: 'app' } }, { name: 'b_2', storage: { size: '1Gi' }, temporary: true }] });
  assert.deepEqual(spec.tablespaces, [{ name: 'a', owner: 'app', temporary: false }, { name: 'b_2', temporary: true }]);
});

test('tablespaces in the older map form read as the same list', () => {
  const spec = load({ tablespaces: { a: { storage: { size: '1Gi' } }, b: { storage: { size: '2Gi' }, temporary: true } } });
  assert.deepEqual(spec.tablespaces, [{ name: 'a', temporary: false }, { name: 'b', temporary: true }]);
});

test('temp_tablespaces: the temporary ones, sorted, comma-separated', () => {
  assert.equal(temporaryTablespaces([{ name: 'z', temporary: true }, { name: 'a', temporary: false }, { name: 'm', temporary: true }]), 'm,z');
  assert.equal(temporaryTablespaces(undefined), '');
});

test('volumeSnapshots: the snapshot names, with an optional source', () => {
  const spec = load({
    externalClusters: [{ name: 'o', barmanObjectStore: { destinationPath: 's3://b/p', s3Credentials: { inheritFromIAMRole: true } } }],
    bootstrap: {
      recovery: {
        source: 'o',
        volumeSnapshots: {
          storage: { name: 'snap-1', kind: 'VolumeSnapshot', apiGroup: 'snapshot.storage.k8s.io' },
          walStorage: { name: 'snap-wal' },
          tablespaceStorage: { a: { name: 'snap-a' } },
        },
      },
    },
  });
  assert.deepEqual(spec.bootstrap.recovery, { source: 'o', volumeSnapshots: { storage: 'snap-1', walStorage: 'snap-wal', tablespaceStorage: { a: 'snap-a' } } });
  assert.deepEqual(load({ bootstrap: { recovery: { volumeSnapshots: { storage: { name: 's' } } } } }).bootstrap.recovery, { volumeSnapshots: { storage: 's', tablespaceStorage: {} } });
});
