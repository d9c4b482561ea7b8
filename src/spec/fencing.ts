// CNPG's `cnpg.io/fencedInstances` annotation on the Cluster: a JSON list of pod names, `"*"` for every instance
// (pkg/utils/fencing.go). A value that is not such a list fences nobody, as CNPG's parse failure does.
import type { Cluster } from './cluster.js';

/** Whether `podName` is fenced by the Cluster's annotation. */
export function isFenced(cluster: Cluster, podName: string): boolean {
  const metadata = (cluster.raw.metadata ?? {}) as { annotations?: Record<string, unknown> };
  const value = metadata.annotations?.['cnpg.io/fencedInstances'];
  if (typeof value !== 'string' || value.trim() === '') return false;
  try {
    const list: unknown = JSON.parse(value);
    return Array.isArray(list) && list.some((p) => p === '*' || p === podName);
  } catch {
    return false;
  }
}
