// The samples runner's pure parts on the real samples: the rewrite changes only what names a missing
// Kubernetes cluster or cloud (and leaves the sample loadable), and the field coverage reports a field no
// check covers instead of passing it silently.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadSamples, verdictOf, type Sample } from '../../helpers/samples/sample-catalog.js';
import { rewriteForThisMachine, type RewriteTargets } from '../../helpers/samples/rewrite-sample.js';
import { leafFields, uncheckedFields } from '../../helpers/samples/field-coverage.js';
import { ALL_CHECKS } from '../../helpers/samples/sample-checks.js';

const TARGETS: RewriteTargets = {
  s3Endpoint: 'http://127.0.0.1:20001',
  bucket: 'samples',
  source: { port: 20002, store: { destinationPath: 's3://samples/source', serverName: 'cluster-example' }, targetTime: '2026-12-07T11:00:00.000000Z' },
};

const samples = loadSamples();
const byFile = (file: string): Sample => {
  const s = samples.find((x) => x.file === file);
  assert.ok(s, file);
  return s;
};

test('66 Cluster documents, each with the loader verdict', () => {
  assert.equal(samples.length, 66);
  assert.ok(samples.some((s) => s.verdict.accepted));
});

test('an object store moves to the s3rver; its Secret names and everything else stay', () => {
  const sample = byFile('cluster-test.yaml');
  const { cluster, notes } = rewriteForThisMachine(sample, TARGETS);
  const store = (cluster.spec?.backup as { barmanObjectStore: Record<string, unknown> }).barmanObjectStore;
  assert.equal(store.destinationPath, 's3://samples/cluster-test');
  assert.equal(store.endpointURL, TARGETS.s3Endpoint);
  assert.deepEqual(store.s3Credentials, (sample.cluster.spec?.backup as { barmanObjectStore: Record<string, unknown> }).barmanObjectStore.s3Credentials);
  assert.deepEqual(store.wal, { compression: 'gzip' });
  assert.deepEqual({ ...cluster.spec, backup: undefined }, { ...sample.cluster.spec, backup: undefined });
  assert.equal(notes.length, 1);
  assert.ok(verdictOf(cluster, 'rewritten').accepted);
});

test('an external cluster becomes the source stand-in; a certificate login for app goes to its cert address', () => {
  const { cluster } = rewriteForThisMachine(byFile('cluster-import-snapshot-tls.yaml'), TARGETS);
  const [entry] = cluster.spec?.externalClusters as { connectionParameters: Record<string, unknown>; sslCert: unknown }[];
  assert.deepEqual(entry?.connectionParameters, { host: '::1', port: '20002', user: 'app', dbname: 'app' });
  const basic = rewriteForThisMachine(byFile('cluster-replica-basicauth.yaml'), TARGETS).cluster;
  assert.equal((basic.spec?.externalClusters as { connectionParameters: { host: string } }[])[0]?.connectionParameters.host, '127.0.0.1');
});

test('a replica cluster\'s own store stays its own; the other side is the source; a literal target time moves', () => {
  const { cluster } = rewriteForThisMachine(byFile('cluster-dc-b.yaml'), TARGETS);
  const stores = (cluster.spec?.externalClusters as { name: string; barmanObjectStore: Record<string, unknown> }[]).map((e) => [e.name, e.barmanObjectStore.destinationPath, e.barmanObjectStore.serverName]);
  assert.deepEqual(stores, [['cluster-dc-a', 's3://samples/source', 'cluster-example'], ['cluster-dc-b', 's3://samples/cluster-dc-b', 'cluster-dc-b']]);
  const pitr = rewriteForThisMachine(byFile('cluster-restore-pitr.yaml'), TARGETS).cluster;
  assert.equal((pitr.spec?.bootstrap as { recovery: { recoveryTarget: { targetTime: string } } }).recovery.recoveryTarget.targetTime, TARGETS.source?.targetTime);
});

test('fields no check covers are reported; operator-side ones are not', () => {
  const covers = ALL_CHECKS.flatMap((c) => c.covers);
  assert.deepEqual(uncheckedFields({ instances: 3, storage: { size: '1Gi' }, postgresql: { parameters: { a: '1' } } }, covers), []);
  assert.deepEqual(uncheckedFields({ startDelay: 300, backup: { retentionPolicy: '30d' } }, covers), ['spec.backup.retentionPolicy', 'spec.startDelay']);
  assert.ok(leafFields(byFile('cluster-example-with-roles.yaml').cluster.spec).includes('spec.managed.roles[].inRoles'));
});
