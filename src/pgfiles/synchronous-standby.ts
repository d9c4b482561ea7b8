// synchronous_standby_names, as CNPG computes it (pkg/postgres/replication/explicit.go and legacy.go): from
// spec.postgresql.synchronous, or the legacy minSyncReplicas/maxSyncReplicas. Pure; the input is the status
// the operator observed (instanceNames, instancesStatus.healthy), so the manager only renders it.
// Grammar: https://www.postgresql.org/docs/current/runtime-config-replication.html#GUC-SYNCHRONOUS-STANDBY-NAMES
// (names double-quoted, a `"` inside doubled).
import type { SynchronousSpec } from '../spec/cluster.js';

export interface SyncStandbyInput {
  clusterName: string;
  /** The primary (this instance when it renders for itself). */
  primary: string;
  /** status.instanceNames. */
  instanceNames: readonly string[];
  /** status.instancesStatus.healthy (empty when nobody reported health). */
  healthy: readonly string[];
  synchronous?: SynchronousSpec | undefined;
  minSyncReplicas: number;
  maxSyncReplicas: number;
  /** syncReplicaElectionConstraint.enabled (legacy mode only). */
  electionConstraint?: boolean;
  /** status.topology as the operator extracted it: each instance's failure-domain labels. */
  topology?: Topology | undefined;
}

/** CNPG api/v1 Topology: the labels (pod or node, per the spec's keys) of each instance. */
export interface Topology {
  instances: ReadonlyMap<string, ReadonlyMap<string, string>>;
  successfullyExtracted: boolean;
}

/** The parsed setting: what the primary waits for (also the failover quorum's N and W). */
export interface SyncStandbyConfig {
  method: 'ANY' | 'FIRST';
  number: number;
  names: string[];
}

const sorted = (names: Iterable<string>): string[] => [...new Set(names)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

/** `"name"` with `"` doubled. */
export function quoteStandbyName(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function render(method: 'ANY' | 'FIRST', n: number, names: readonly string[]): SyncStandbyConfig {
  return { method, number: n, names: [...names] };
}

// CNPG PodTopologyLabels.MatchesTopology: every label of the primary has the same value on the instance.
function sameDomain(primary: ReadonlyMap<string, string>, other: ReadonlyMap<string, string>): boolean {
  return [...primary].every(([key, value]) => other.get(key) === value);
}

// CNPG crossDomainInstances: the instances in another failure domain than the primary, or undefined when the
// topology cannot be used (not extracted, the primary not in it). Without an operator extracting labels (the
// embedded default, local-cluster) there is no topology: every instance counts as its own failure domain.
function crossDomain(input: SyncStandbyInput, names: readonly string[]): string[] | undefined {
  const t = input.topology;
  const primary = t?.successfullyExtracted ? t.instances.get(input.primary) : undefined;
  if (t === undefined || primary === undefined) return undefined;
  return names.filter((n) => {
    const labels = t.instances.get(n);
    return n !== input.primary && labels !== undefined && !sameDomain(primary, labels);
  });
}

// CNPG's explicit mode (spec.postgresql.synchronous).
function explicit(input: SyncStandbyInput, s: SynchronousSpec): SyncStandbyConfig | undefined {
  const healthy = new Set(input.healthy);
  const others = input.instanceNames.filter((n) => n !== input.primary);
  const healthyOthers = sorted(others.filter((n) => healthy.has(n)));
  let fromCluster: string[];
  if (s.dataDurability === 'preferred') {
    fromCluster = healthyOthers;
  } else {
    // Unhealthy standbys stay listed and the primary's own name comes last, so the list never shrinks
    // to nothing and writes wait rather than silently go asynchronous.
    fromCluster = [...healthyOthers, ...sorted(others.filter((n) => !healthy.has(n))), input.primary];
  }
  // CNPG filterCrossDomainInstances: the keys are a preference, applied only when enough standbys satisfy them.
  const spread = s.failureDomainKeys.length > 0 ? crossDomain(input, fromCluster) : undefined;
  if (spread !== undefined && spread.length >= (s.dataDurability === 'preferred' ? 1 : s.number)) fromCluster = spread;
  if (s.maxStandbyNamesFromCluster !== undefined) fromCluster = fromCluster.slice(0, s.maxStandbyNamesFromCluster);
  const names = [...s.standbyNamesPre, ...fromCluster, ...s.standbyNamesPost];
  const method = s.method === 'first' ? 'FIRST' : 'ANY';
  if (s.dataDurability === 'preferred') {
    if (fromCluster.length === 0 || names.length === 0) return undefined;
    return render(method, Math.min(s.number, names.length), names);
  }
  return render(method, s.number, names.length === 0 ? [`${input.clusterName}-placeholder`] : names);
}

// CNPG's legacy mode: N from max, lowered to min, then to the ready replicas (self-healing); always ANY.
function legacy(input: SyncStandbyInput): SyncStandbyConfig | undefined {
  const healthy = new Set(input.healthy);
  let electable = sorted(input.instanceNames.filter((n) => n !== input.primary && healthy.has(n)));
  // CNPG getElectableSyncReplicas: with the election constraint only standbys on other nodes than the primary's;
  // all of them when no topology was extracted, none while the primary's is unknown.
  if (input.electionConstraint === true && input.topology?.successfullyExtracted === true) electable = crossDomain(input, electable) ?? [];
  const ready = Math.max(0, input.healthy.length - 1);
  let n = input.maxSyncReplicas;
  if (ready < n) n = input.minSyncReplicas;
  if (ready < n) n = ready;
  n = Math.min(n, electable.length);
  return n <= 0 ? undefined : render('ANY', n, electable);
}

/** The synchronous standbys wanted, or undefined when replication is asynchronous. */
export function synchronousStandbyConfig(input: SyncStandbyInput): SyncStandbyConfig | undefined {
  if (input.synchronous !== undefined) return explicit(input, input.synchronous);
  if (input.maxSyncReplicas > 0) return legacy(input);
  return undefined;
}

/** The value of synchronous_standby_names, or undefined when replication is asynchronous (the parameter is not set). */
export function synchronousStandbyNames(input: SyncStandbyInput): string | undefined {
  const c = synchronousStandbyConfig(input);
  return c === undefined ? undefined : `${c.method} ${c.number} (${c.names.map(quoteStandbyName).join(',')})`;
}
