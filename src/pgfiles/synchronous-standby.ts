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
}

const sorted = (names: Iterable<string>): string[] => [...new Set(names)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

/** `"name"` with `"` doubled. */
export function quoteStandbyName(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function render(method: 'ANY' | 'FIRST', n: number, names: readonly string[]): string {
  return `${method} ${n} (${names.map(quoteStandbyName).join(',')})`;
}

// CNPG's explicit mode (spec.postgresql.synchronous).
function explicit(input: SyncStandbyInput, s: SynchronousSpec): string | undefined {
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
function legacy(input: SyncStandbyInput): string | undefined {
  const healthy = new Set(input.healthy);
  const electable = sorted(input.instanceNames.filter((n) => n !== input.primary && healthy.has(n)));
  const ready = Math.max(0, input.healthy.length - 1);
  let n = input.maxSyncReplicas;
  if (ready < n) n = input.minSyncReplicas;
  if (ready < n) n = ready;
  n = Math.min(n, electable.length);
  return n <= 0 ? undefined : render('ANY', n, electable);
}

/** The value of synchronous_standby_names, or undefined when replication is asynchronous (the parameter is not set). */
export function synchronousStandbyNames(input: SyncStandbyInput): string | undefined {
  if (input.synchronous !== undefined) return explicit(input, input.synchronous);
  if (input.maxSyncReplicas > 0) return legacy(input);
  return undefined;
}
