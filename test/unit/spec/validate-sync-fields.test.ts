// The synchronous-replication and logical-decoding fields that were refused: failoverQuorum, the failure-domain
// keys, syncReplicaElectionConstraint and synchronizeLogicalDecoding, with CNPG's CRD and webhook rules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stringify } from 'yaml';
import { ManifestError } from '../../../src/errors.js';
import { parseClusterManifest } from '../../../src/spec/load-manifest.js';
import { synchronizedStandbySlots } from '../../../src/spec/validate-logical-decoding.js';

const load = (spec: Record<string, unknown>) =>
  parseClusterManifest(stringify({ apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', metadata: { name: 'pg' }, spec }, { version: '1.1' }), 'm.yaml', { namespace: 'default' });
const sync = (extra: Record<string, unknown>) => ({ postgresql: { synchronous: { method: 'any', number: 1, ...extra } } });
const logical = (image: string | undefined, parameters: Record<string, string>) => ({
  ...(image ? { imageName: image } : {}),
  replicationSlots: { highAvailability: { synchronizeLogicalDecoding: true } },
  postgresql: { parameters },
});
const ON = { hot_standby_feedback: 'on', sync_replication_slots: 'on' };

test('accepted: failoverQuorum, podFailureDomainKeys, syncReplicaElectionConstraint, synchronizeLogicalDecoding on 17', () => {
  const q = load(sync({ failoverQuorum: true, podFailureDomainKeys: ['topology.kubernetes.io/zone'] })).spec.postgresql.synchronous;
  assert.deepEqual([q?.failoverQuorum, q?.failureDomainKeys], [true, ['topology.kubernetes.io/zone']]);
  const e = load({ minSyncReplicas: 1, maxSyncReplicas: 1, postgresql: { syncReplicaElectionConstraint: { enabled: true, nodeLabelsAntiAffinity: ['az'] } } });
  assert.deepEqual(e.spec.postgresql.syncReplicaElectionConstraint, { nodeLabelsAntiAffinity: ['az'] });
  assert.equal(load({ postgresql: { syncReplicaElectionConstraint: { enabled: false, nodeLabelsAntiAffinity: ['az'] } } }).spec.postgresql.syncReplicaElectionConstraint, undefined);
  assert.equal(load(logical('ghcr.io/cloudnative-pg/postgresql:17', ON)).spec.replicationSlots.highAvailability.synchronizeLogicalDecoding, true);
  assert.equal(load(logical('ghcr.io/cloudnative-pg/postgresql:18.1', { hot_standby_feedback: 'true', sync_replication_slots: 'yes' })).spec.postgresMajor, 18);
});

const refused: [string, Record<string, unknown>, string, RegExp][] = [
  ['pod and node keys together', sync({ podFailureDomainKeys: ['a'], nodeFailureDomainKeys: ['b'] }), 'spec.postgresql.synchronous.nodeFailureDomainKeys', /mutually exclusive/],
  ['election constraint and failure domain keys', { postgresql: { syncReplicaElectionConstraint: { enabled: true, nodeLabelsAntiAffinity: ['az'] }, synchronous: { method: 'any', number: 1, nodeFailureDomainKeys: ['az'] } } }, 'spec.postgresql.syncReplicaElectionConstraint', /mutually exclusive/],
  ['election constraint without labels', { postgresql: { syncReplicaElectionConstraint: { enabled: true } } }, 'spec.postgresql.syncReplicaElectionConstraint.nodeLabelsAntiAffinity', /at least one/],
  ['logical decoding on 16', logical('ghcr.io/cloudnative-pg/postgresql:16', ON), 'spec.replicationSlots.highAvailability.synchronizeLogicalDecoding', /PostgreSQL 17 or later.*names PostgreSQL 16.*pg_failover_slots/],
  ['logical decoding, no version named', logical(undefined, ON), 'spec.replicationSlots.highAvailability.synchronizeLogicalDecoding', /no version is named/],
  ['logical decoding without hot_standby_feedback', logical('postgres:17', { sync_replication_slots: 'on' }), 'spec.postgresql.parameters.hot_standby_feedback', /must be on/],
  ['logical decoding with sync_replication_slots off', logical('postgres:17', { hot_standby_feedback: 'on', sync_replication_slots: 'off' }), 'spec.postgresql.parameters.sync_replication_slots', /must be on/],
];
for (const [name, spec, path, message] of refused) {
  test(`refused: ${name}`, () => {
    assert.throws(() => load(spec), (err: unknown) => err instanceof ManifestError && err.path === path && message.test(err.message));
  });
}

test('synchronized_standby_slots: the other instances\' HA slots, only on 17+ with HA slots on', () => {
  const spec = load(logical('postgres:17', ON)).spec;
  const slot = (n: string): string => `_cnpg_${n.replace(/-/g, '_')}`;
  assert.equal(synchronizedStandbySlots(spec, 17, ['pg-2', 'pg-3'], slot), '_cnpg_pg_2,_cnpg_pg_3');
  assert.equal(synchronizedStandbySlots(spec, 15, ['pg-2'], slot), undefined);
  assert.equal(synchronizedStandbySlots(spec, 17, [], slot), undefined);
  const off = { ...spec, replicationSlots: { ...spec.replicationSlots, highAvailability: { ...spec.replicationSlots.highAvailability, enabled: false } } };
  assert.equal(synchronizedStandbySlots(off, 17, ['pg-2'], slot), undefined);
});
