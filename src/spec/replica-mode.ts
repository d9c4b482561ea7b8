// Whether a Cluster is a replica cluster, and which instance is its designated primary (CNPG api/v1
// cluster_funcs.go IsReplica, instance_replica.go RefreshReplicaConfiguration). A legacy `enabled` decides
// alone; otherwise the cluster is a replica unless `primary` names itself (`self`, or the Cluster's name).
import { ManifestError } from '../errors.js';
import type { Cluster, ReplicaSpec } from './cluster.js';

/** IsReplica over the spec alone. */
export function isReplicaSpec(replica: ReplicaSpec | undefined, clusterName: string): boolean {
  if (replica === undefined) return false;
  if (replica.enabled !== undefined) return replica.enabled;
  return (replica.self ?? clusterName) !== replica.primary;
}

/** True when the Cluster runs in replica mode (its primary follows an external cluster). */
export function isReplicaCluster(cluster: Cluster): boolean {
  return isReplicaSpec(cluster.spec.replica, cluster.name);
}

/** True when `podName` is the designated primary: the target primary of a replica cluster. */
export function isDesignatedPrimary(cluster: Cluster, podName: string): boolean {
  return isReplicaCluster(cluster) && cluster.status.targetPrimary === podName;
}

/**
 * Before initdb: a new replica cluster is a copy of its source (pg_basebackup or recovery), never initdb. CNPG's
 * webhook checks this at creation only (validateReplicaMode, `len(r.ResourceVersion) == 0`): an existing
 * primary cluster switched into replica mode is demoted, whatever its bootstrap was.
 */
export function refuseInitdbReplica(cluster: Cluster): void {
  if (isReplicaCluster(cluster)) throw new ManifestError('spec.bootstrap', 'a replica cluster bootstraps by pg_basebackup or recovery (a copy of its source), not initdb');
}
