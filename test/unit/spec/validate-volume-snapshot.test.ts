// spec.backup.volumeSnapshot as the loader reads it: CNPG's defaults (online, waitForArchive true,
// immediateCheckpoint false), the operator's fields kept, a field CNPG does not have warned about (the API
// server prunes it) and a typo or a wrong type refused naming the field.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { ManifestError } from '../../../src/errors.js';
import { parseClusterManifest } from '../../../src/spec/load-manifest.js';
import { repoRoot } from './repo-paths.js';

const load = (spec: Record<string, unknown>) => parseClusterManifest(stringify({ apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', metadata: { name: 'pg' }, spec }), 'x.yaml', { namespace: 'default' });

test('volumeSnapshot alone: CNPG defaults, no object store needed', () => {
  const c = load({ backup: { volumeSnapshot: { className: 'csi-snap' } } });
  assert.equal(c.spec.backup?.barmanObjectStore, undefined);
  assert.deepEqual(c.spec.backup?.volumeSnapshot, {
    className: 'csi-snap',
    tablespaceClassName: {},
    labels: {},
    annotations: {},
    snapshotOwnerReference: 'none',
    online: true,
    onlineConfiguration: { waitForArchive: true, immediateCheckpoint: false },
    warnings: [],
  });
  assert.equal(c.warnings, undefined);
});

test('volumeSnapshot: every CNPG field read', () => {
  const v = load({
    backup: {
      volumeSnapshot: {
        online: false,
        onlineConfiguration: { waitForArchive: false, immediateCheckpoint: true },
        walClassName: 'wal-class',
        tablespaceClassName: { a: 'tbs-class' },
        labels: { l: '1' },
        annotations: { a: '2' },
        snapshotOwnerReference: 'backup',
      },
    },
  }).spec.backup?.volumeSnapshot;
  assert.equal(v?.online, false);
  assert.deepEqual(v?.onlineConfiguration, { waitForArchive: false, immediateCheckpoint: true });
  assert.equal(v?.walClassName, 'wal-class');
  assert.deepEqual(v?.tablespaceClassName, { a: 'tbs-class' });
  assert.equal(v?.snapshotOwnerReference, 'backup');
});

test('volumeSnapshot: groupSnapshot (not a CNPG field) is warned about; typos and wrong types are refused', () => {
  const c = load({ backup: { volumeSnapshot: { className: 'x', groupSnapshot: true } } });
  assert.deepEqual(c.warnings, ['unknown field "spec.backup.volumeSnapshot.groupSnapshot" (not a CloudNativePG field: ignored, as the API server prunes it)']);
  const refused = (spec: Record<string, unknown>, path: string): void => {
    assert.throws(() => load({ backup: { volumeSnapshot: spec } }), (err: unknown) => err instanceof ManifestError && err.path === path);
  };
  refused({ onlin: false }, 'spec.backup.volumeSnapshot.onlin');
  refused({ online: 'maybe' }, 'spec.backup.volumeSnapshot.online');
  refused({ onlineConfiguration: { waitForArchiv: true } }, 'spec.backup.volumeSnapshot.onlineConfiguration.waitForArchiv');
  refused({ snapshotOwnerReference: 'pod' }, 'spec.backup.volumeSnapshot.snapshotOwnerReference');
  refused({ labels: { a: 1 } }, 'spec.backup.volumeSnapshot.labels.a');
});

test('the two CNPG samples with spec.backup.volumeSnapshot load', () => {
  for (const file of ['cluster-example-bis.yaml', 'cluster-example-with-volume-snapshot.yaml']) {
    const text = readFileSync(join(repoRoot(), 'test', 'fixtures', 'cnpg-samples', file), 'utf8');
    const c = parseClusterManifest(text, file, { namespace: 'default' });
    assert.equal(c.spec.backup?.volumeSnapshot?.online, true, file);
    assert.equal(c.spec.walStorage, true, file);
  }
});
