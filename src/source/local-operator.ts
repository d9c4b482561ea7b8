// The embedded default has no operator, and the manager never writes status.targetPrimary (the operator
// chooses the primary; src/reconcile/status-patch.ts). This plays the operator's role for it, and only
// for what a one-instance Cluster needs: the only pod is the target primary. Kept out of the shared
// status path so that Kubernetes mode can never write the field.
import type { Cluster } from '../spec/cluster.js';
import type { StatusPatch } from '../model/objects.js';

/** The operator's patch electing `podName` when a one-instance Cluster has no target primary; else undefined. */
export function localOperatorPatch(cluster: Cluster, podName: string | undefined): StatusPatch | undefined {
  if (cluster.spec.instances !== 1) return undefined;
  const target = cluster.status.targetPrimary;
  if (typeof target === 'string' && target !== '') return undefined;
  return { targetPrimary: podName ?? `${cluster.name}-1` };
}
