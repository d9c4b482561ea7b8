// spec.replica (CNPG api/v1 ReplicaClusterConfiguration) and spec.bootstrap.pg_basebackup (BootstrapPgBaseBackup),
// with the webhook's rules (internal/webhook/v1/cluster_webhook.go validateReplicaMode,
// validateReplicaClusterExternalClusters, validatePromotionToken, validateBootstrapPgBaseBackupSource): `enabled`
// and `primary` exclude each other; source, self and primary name externalClusters entries; a promotion token
// is for a primary cluster, parses, and excludes minApplyDelay. Whether the Cluster is a replica is
// replica-mode.ts's `isReplicaCluster`; that a new replica cluster is a copy (not initdb) is checked before
// initdb (replica-mode.ts refuseInitdbReplica), as the webhook checks it at creation only.
import { ManifestError } from '../errors.js';
import type { ReplicaSpec } from './cluster.js';
import type { Fields } from './fields.js';
import { parseGoDurationSeconds } from './go-duration.js';
import { isReplicaSpec } from './replica-mode.js';
import { parsePromotionToken } from './promotion-token.js';

const REPLICA_KEYS: ReadonlySet<string> = new Set(['self', 'primary', 'source', 'enabled', 'promotionToken', 'minApplyDelay']);
const BASEBACKUP_KEYS: ReadonlySet<string> = new Set(['source', 'database', 'owner', 'secret']);

function externalNames(spec: Fields): string[] {
  return (spec.objectList('externalClusters') ?? []).map((e) => e.string('name') ?? '');
}

function mustName(f: Fields, key: string, names: readonly string[]): string | undefined {
  const value = f.string(key, { nonEmpty: true });
  if (value !== undefined && !names.includes(value)) throw new ManifestError(f.at(key), `names "${value}", which is not in spec.externalClusters`);
  return value;
}

/** Validates spec.replica (undefined when absent). */
export function validateReplica(spec: Fields, clusterName: string): ReplicaSpec | undefined {
  const f = spec.child('replica');
  if (f === undefined) return undefined;
  f.onlyKeys(REPLICA_KEYS);
  const names = externalNames(spec);
  const source = f.string('source', { nonEmpty: true });
  if (source === undefined) throw new ManifestError(f.at('source'), 'is required: the externalClusters entry this cluster replicates from');
  mustName(f, 'source', names);
  const result: ReplicaSpec = { source };
  const enabled = f.bool('enabled');
  const primary = mustName(f, 'primary', names);
  const self = mustName(f, 'self', names);
  if (enabled !== undefined && primary !== undefined) throw new ManifestError(f.at('enabled'), 'cannot be used together with replica.primary (choose one way of saying which cluster is primary)');
  if (enabled !== undefined) result.enabled = enabled;
  if (primary !== undefined) result.primary = primary;
  if (self !== undefined) result.self = self;
  const delay = f.string('minApplyDelay', { nonEmpty: true });
  if (delay !== undefined) {
    const seconds = parseGoDurationSeconds(delay);
    if (seconds === undefined || seconds < 0) throw new ManifestError(f.at('minApplyDelay'), `is not a duration (like 30s, 5m, 1h30m): ${JSON.stringify(delay)}`);
    result.minApplyDelaySeconds = Math.floor(seconds);
  }
  const token = f.string('promotionToken', { nonEmpty: true });
  const replica = isReplicaSpec(result, clusterName);
  // eslint-disable-next-line security/detect-possible-timing-attacks -- a presence check, not a comparison of secrets
  if (token !== undefined) {
    if (delay !== undefined) throw new ManifestError(f.at('minApplyDelay'), 'cannot be applied with a promotion token');
    if (replica) throw new ManifestError(f.at('promotionToken'), 'is only allowed for primary clusters (replica mode off)');
    try {
      parsePromotionToken(token);
    } catch (err) {
      throw new ManifestError(f.at('promotionToken'), (err as Error).message);
    }
    result.promotionToken = token;
  }
  return result;
}

/** Validates spec.bootstrap.pg_basebackup: the source names an externalClusters entry with connectionParameters. */
export function validatePgBasebackup(f: Fields, spec: Fields): { source: string } {
  f.onlyKeys(BASEBACKUP_KEYS);
  for (const key of ['database', 'owner', 'secret']) f.refuse(key, 'creating an application database after a pg_basebackup bootstrap; the clone keeps its source\'s');
  const source = f.string('source', { nonEmpty: true });
  if (source === undefined) throw new ManifestError(f.at('source'), 'is required: the externalClusters entry to clone');
  const entry = (spec.objectList('externalClusters') ?? []).find((e) => e.string('name') === source);
  if (!entry) throw new ManifestError(f.at('source'), `names "${source}", which is not in spec.externalClusters`);
  if (!entry.has('connectionParameters')) throw new ManifestError(f.at('source'), `externalClusters "${source}" has no connectionParameters: pg_basebackup needs a live server`);
  return { source };
}

/** Each externalClusters entry has a name, names are unique, connectionParameters are strings; the field that uses an entry checks what it needs. */
export function validateExternalClusters(spec: Fields): void {
  const seen = new Set<string>();
  for (const [i, e] of (spec.objectList('externalClusters') ?? []).entries()) {
    const name = e.requiredString('name');
    if (seen.has(name)) throw new ManifestError(`spec.externalClusters[${i}].name`, `"${name}" appears twice`);
    seen.add(name);
    e.refuse('plugin', 'CNPG-i plugins');
    const params = e.child('connectionParameters');
    for (const [key, value] of params?.entries() ?? []) {
      if (typeof value !== 'string') throw new ManifestError(params?.at(key) ?? '', 'must be a string');
    }
  }
}
