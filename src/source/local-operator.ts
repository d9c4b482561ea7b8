// The embedded default has no operator, and the manager never writes status.targetPrimary (the operator
// chooses the primary; src/reconcile/status-patch.ts). This plays the operator's role for the first
// election only: a one-instance Cluster's only pod is the target primary; with several instances it is
// always `<cluster>-1` (as CNPG elects the first instance it creates), so two instances started side by
// side never both elect themselves. Kept out of the shared status path so that Kubernetes mode can never
// write the field.
import type { Cluster } from '../spec/cluster.js';
import type { StatusPatch } from '../model/objects.js';

/** The operator's patch electing the first primary when the Cluster has no target primary; else undefined. */
export function localOperatorPatch(cluster: Cluster, podName: string | undefined): StatusPatch | undefined {
  const target = cluster.status.targetPrimary;
  if (typeof target === 'string' && target !== '') return undefined;
  const first = `${cluster.name}-1`;
  return { targetPrimary: cluster.spec.instances === 1 ? (podName ?? first) : first };
}
