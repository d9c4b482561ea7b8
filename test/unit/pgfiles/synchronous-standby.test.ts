// Table-driven: synchronous_standby_names from spec.postgresql.synchronous and the legacy min/max, as CNPG
// renders it (pkg/postgres/replication): candidate order, placeholder, self-healing, quoting.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { synchronousStandbyNames, type SyncStandbyInput } from '../../../src/pgfiles/synchronous-standby.js';
import type { SynchronousSpec } from '../../../src/spec/cluster.js';

const NAMES = ['c-1', 'c-2', 'c-3'];
const base: SyncStandbyInput = { clusterName: 'c', primary: 'c-1', instanceNames: NAMES, healthy: NAMES, minSyncReplicas: 0, maxSyncReplicas: 0 };
const sync = (s: Partial<SynchronousSpec>): SynchronousSpec => ({ method: 'any', number: 1, dataDurability: 'required', standbyNamesPre: [], standbyNamesPost: [], failoverQuorum: false, failureDomainKeys: [], ...s });

const cases: [string, Partial<SyncStandbyInput>, string | undefined][] = [
  ['no synchronous settings: asynchronous', {}, undefined],
  ['required any 1: healthy standbys, then the primary last', { synchronous: sync({}) }, 'ANY 1 ("c-2","c-3","c-1")'],
  ['first 2', { synchronous: sync({ method: 'first', number: 2 }) }, 'FIRST 2 ("c-2","c-3","c-1")'],
  ['required: an unhealthy standby stays, after the healthy ones', { healthy: ['c-1', 'c-3'], synchronous: sync({}) }, 'ANY 1 ("c-3","c-2","c-1")'],
  ['required: number is never lowered', { instanceNames: ['c-1'], healthy: ['c-1'], synchronous: sync({ number: 2 }) }, 'ANY 2 ("c-1")'],
  ['required: nothing from the cluster -> placeholder, writes wait', { synchronous: sync({ maxStandbyNamesFromCluster: 0 }) }, 'ANY 1 ("c-placeholder")'],
  ['maxStandbyNamesFromCluster caps the cluster part', { synchronous: sync({ maxStandbyNamesFromCluster: 1 }) }, 'ANY 1 ("c-2")'],
  ['pre and post names wrap the list', { synchronous: sync({ standbyNamesPre: ['ext-a'], standbyNamesPost: ['ext"b'] }) }, 'ANY 1 ("ext-a","c-2","c-3","c-1","ext""b")'],
  ['preferred: healthy standbys only, N lowered to the list', { healthy: ['c-1', 'c-2'], synchronous: sync({ number: 2, dataDurability: 'preferred' }) }, 'ANY 1 ("c-2")'],
  ['preferred: no healthy standby -> asynchronous', { healthy: ['c-1'], synchronous: sync({ dataDurability: 'preferred' }) }, undefined],
  ['legacy: max when enough replicas are ready', { minSyncReplicas: 1, maxSyncReplicas: 2 }, 'ANY 2 ("c-2","c-3")'],
  ['legacy: min when fewer than max are ready', { healthy: ['c-1', 'c-2'], minSyncReplicas: 1, maxSyncReplicas: 2 }, 'ANY 1 ("c-2")'],
  ['legacy: self-healing below min', { healthy: ['c-1'], minSyncReplicas: 1, maxSyncReplicas: 2 }, undefined],
  ['legacy: nobody reported health -> asynchronous', { healthy: [], minSyncReplicas: 1, maxSyncReplicas: 1 }, undefined],
];

for (const [name, input, expected] of cases) {
  test(`synchronous_standby_names: ${name}`, () => {
    assert.equal(synchronousStandbyNames({ ...base, ...input }), expected);
  });
}

// Failure domains (CNPG pkg/postgres/replication explicit.go filterCrossDomainInstances, legacy.go
// getElectableSyncReplicas) from status.topology: c-1 (the primary) and c-2 share zone a, c-3 is in zone b.
const zones = (extracted = true) => ({
  successfullyExtracted: extracted,
  instances: new Map([['c-1', new Map([['zone', 'a']])], ['c-2', new Map([['zone', 'a']])], ['c-3', new Map([['zone', 'b']])]]),
});
const domainCases: [string, Partial<SyncStandbyInput>, string | undefined][] = [
  ['podFailureDomainKeys: only the standby in another zone', { topology: zones(), synchronous: sync({ failureDomainKeys: ['zone'] }) }, 'ANY 1 ("c-3")'],
  ['not enough in other zones for number 2: the keys are not applied', { topology: zones(), synchronous: sync({ number: 2, failureDomainKeys: ['zone'] }) }, 'ANY 2 ("c-2","c-3","c-1")'],
  ['no topology (embedded default, local-cluster): every standby, as its own domain', { synchronous: sync({ failureDomainKeys: ['zone'] }) }, 'ANY 1 ("c-2","c-3","c-1")'],
  ['topology not extracted: not applied', { topology: zones(false), synchronous: sync({ failureDomainKeys: ['zone'] }) }, 'ANY 1 ("c-2","c-3","c-1")'],
  ['preferred: one cross-zone standby is enough', { topology: zones(), synchronous: sync({ number: 2, dataDurability: 'preferred', failureDomainKeys: ['zone'] }) }, 'ANY 1 ("c-3")'],
  ['election constraint (legacy): standbys on other nodes only', { topology: zones(), electionConstraint: true, minSyncReplicas: 1, maxSyncReplicas: 2 }, 'ANY 1 ("c-3")'],
  ['election constraint without topology: every healthy standby', { electionConstraint: true, minSyncReplicas: 1, maxSyncReplicas: 1 }, 'ANY 1 ("c-2","c-3")'],
  ['election constraint, primary not in the topology: asynchronous', { topology: { successfullyExtracted: true, instances: new Map() }, electionConstraint: true, minSyncReplicas: 1, maxSyncReplicas: 1 }, undefined],
];
for (const [name, input, expected] of domainCases) {
  test(`failure domains: ${name}`, () => assert.equal(synchronousStandbyNames({ ...base, ...input }), expected));
}
