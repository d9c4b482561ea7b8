// spec.replicationSlots, spec.postgresql.synchronous and the legacy minSyncReplicas/maxSyncReplicas
// (api/v1/cluster_types.go ReplicationSlotsConfiguration, SynchronousReplicaConfiguration; defaults from
// api/v1/cluster_defaults.go and the CRD).
import { ManifestError } from '../errors.js';
import type { ClusterSpec } from './cluster.js';
import type { Fields } from './fields.js';

const SLOTS_KEYS: ReadonlySet<string> = new Set(['highAvailability', 'updateInterval', 'synchronizeReplicas']);
const HA_KEYS: ReadonlySet<string> = new Set(['enabled', 'slotPrefix', 'synchronizeLogicalDecoding']);
const SYNC_REPLICAS_KEYS: ReadonlySet<string> = new Set(['enabled', 'excludePatterns']);
const SYNCHRONOUS_KEYS: ReadonlySet<string> = new Set([
  'method', 'number', 'maxStandbyNamesFromCluster', 'standbyNamesPre', 'standbyNamesPost', 'dataDurability', 'failoverQuorum',
  'podFailureDomainKeys', 'nodeFailureDomainKeys',
]);
// A slot name is at most NAMEDATALEN-1 = 63 bytes of [a-z0-9_] (ReplicationSlotValidateName); the prefix
// leaves room for an instance name.
const SLOT_PREFIX = /^[a-z0-9_]{1,40}$/;

/** spec.replicationSlots with CNPG's defaults (HA slots on, prefix `_cnpg_`, every 30 s). */
export function validateReplicationSlots(spec: Fields): ClusterSpec['replicationSlots'] {
  const f = spec.child('replicationSlots');
  f?.onlyKeys(SLOTS_KEYS);
  const ha = f?.child('highAvailability');
  ha?.onlyKeys(HA_KEYS);
  const prefix = ha?.string('slotPrefix') ?? '_cnpg_';
  if (!SLOT_PREFIX.test(prefix)) throw new ManifestError(ha?.at('slotPrefix') ?? 'spec.replicationSlots', 'must be 1-40 characters of [a-z0-9_]');
  const sync = f?.child('synchronizeReplicas');
  sync?.onlyKeys(SYNC_REPLICAS_KEYS);
  const patterns = sync?.stringList('excludePatterns');
  if (patterns !== undefined && patterns.length > 0) throw new ManifestError(sync?.at('excludePatterns') ?? '', 'not supported yet (user slot exclusion)');
  return {
    highAvailability: { enabled: ha?.bool('enabled') ?? true, slotPrefix: prefix, synchronizeLogicalDecoding: ha?.bool('synchronizeLogicalDecoding') ?? false },
    updateInterval: f?.int('updateInterval', 1) ?? 30,
    synchronizeReplicas: sync?.bool('enabled') ?? true,
  };
}

const nameList = (f: Fields, key: string): string[] =>
  f.stringList(key, (item, path) => {
    if (item === '' || /[\0\n\r]/.test(item)) throw new ManifestError(path, 'must be a non-empty single-line name');
  }) ?? [];

/** spec.postgresql.synchronous (undefined when absent). */
export function validateSynchronous(pg: Fields | undefined): ClusterSpec['postgresql']['synchronous'] {
  const f = pg?.child('synchronous');
  if (f === undefined) return undefined;
  f.onlyKeys(SYNCHRONOUS_KEYS);
  const method = f.oneOf('method', ['any', 'first'] as const);
  if (method === undefined) throw new ManifestError(f.at('method'), 'is required (any or first)');
  const number = f.int('number', 1);
  if (number === undefined) throw new ManifestError(f.at('number'), 'is required (an integer >= 1)');
  const max = f.int('maxStandbyNamesFromCluster', 0);
  const podKeys = nameList(f, 'podFailureDomainKeys');
  const nodeKeys = nameList(f, 'nodeFailureDomainKeys');
  // CRD rule (api/v1/cluster_types.go SynchronousReplicaConfiguration).
  if (podKeys.length > 0 && nodeKeys.length > 0) throw new ManifestError(f.at('nodeFailureDomainKeys'), 'podFailureDomainKeys and nodeFailureDomainKeys are mutually exclusive');
  return {
    method,
    number,
    dataDurability: f.oneOf('dataDurability', ['required', 'preferred'] as const) ?? 'required',
    ...(max === undefined ? {} : { maxStandbyNamesFromCluster: max }),
    standbyNamesPre: nameList(f, 'standbyNamesPre'),
    standbyNamesPost: nameList(f, 'standbyNamesPost'),
    failoverQuorum: f.bool('failoverQuorum') ?? false,
    failureDomainKeys: podKeys.length > 0 ? podKeys : nodeKeys,
  };
}

/** minSyncReplicas/maxSyncReplicas (0 by default); min <= max, and not together with spec.postgresql.synchronous. */
export function validateSyncReplicas(spec: Fields, explicit: boolean): { minSyncReplicas: number; maxSyncReplicas: number } {
  const min = spec.int('minSyncReplicas', 0) ?? 0;
  const max = spec.int('maxSyncReplicas', 0) ?? 0;
  if (min > max) throw new ManifestError(spec.at('minSyncReplicas'), `must be <= maxSyncReplicas (${max}), got ${min}`);
  if (explicit && max > 0) throw new ManifestError(spec.at('maxSyncReplicas'), 'cannot be used together with spec.postgresql.synchronous');
  return { minSyncReplicas: min, maxSyncReplicas: max };
}
