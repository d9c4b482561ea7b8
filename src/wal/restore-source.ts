// Where the designated primary of a replica cluster restores WAL from: its source's barmanObjectStore
// (spec.externalClusters[replica.source]), not its own cluster's (CNPG internal/cmd/manager/walrestore/cmd.go:
// "designated primary of a replica cluster -> the source's externalClusters[].barmanObjectStore"). The restorer
// reads the store through a view of the Cluster whose spec.backup.barmanObjectStore is the source's (serverName
// defaulting to the entry's name); the archiver keeps the real Cluster. One view per Cluster object, so the
// store cache (keyed by object) keeps its client between WAL files.
import { ManagerError } from '../errors.js';
import type { Cluster } from '../spec/cluster.js';
import { externalCluster } from '../spec/external-cluster.js';
import { Fields } from '../spec/fields.js';
import { isDesignatedPrimary } from '../spec/replica-mode.js';
import { validateBackup } from '../spec/validate-backup.js';

const views = new WeakMap<Cluster, Cluster>();

/** The external store a designated primary restores from, or undefined (not designated, or the source has none). */
export function sourceStoreView(cluster: Cluster, podName: string): Cluster | undefined {
  if (!isDesignatedPrimary(cluster, podName)) return undefined;
  const cached = views.get(cluster);
  if (cached) return cached;
  const name = cluster.spec.replica?.source ?? '';
  const entry = externalCluster(cluster, name);
  if (entry?.barmanObjectStore === undefined) return undefined;
  let backup;
  try {
    backup = validateBackup(Fields.of({ backup: { barmanObjectStore: entry.barmanObjectStore } }, `spec.externalClusters[${entry.index}]`));
  } catch (err) {
    throw new ManagerError('WAL_ARCHIVE', `spec.externalClusters[${entry.index}].barmanObjectStore: ${(err as Error).message}`, { cause: err });
  }
  const store = backup?.barmanObjectStore;
  if (store === undefined) return undefined;
  const view: Cluster = { ...cluster, spec: { ...cluster.spec, backup: { target: 'prefer-standby', barmanObjectStore: { ...store, serverName: store.serverName ?? name } } } };
  views.set(cluster, view);
  return view;
}

/**
 * Whether PostgreSQL can stream instead of restoring, so a segment missing from the archive sends it to streaming
 * at once (CNPG walrestore isStreamingAvailable): a replica of a running cluster can; the designated primary of a
 * replica cluster when its source also has connectionParameters (override.conf then carries both
 * primary_conninfo and restore_command, and PostgreSQL streams once the archived WAL ends); a primary, or a
 * bootstrap recovery (no currentPrimary yet), cannot.
 */
export function streamingAvailable(cluster: Cluster, podName: string): boolean {
  const { currentPrimary, targetPrimary } = cluster.status;
  if (typeof currentPrimary !== 'string' || currentPrimary === '') return false;
  if (currentPrimary !== podName && targetPrimary !== podName) return true;
  if (!isDesignatedPrimary(cluster, podName)) return false;
  return externalCluster(cluster, cluster.spec.replica?.source ?? '')?.connectionParameters !== undefined;
}

/** The Cluster the WAL restorer reads its store from: the source's view on a designated primary, else the Cluster. */
export function restoreCluster(cluster: Cluster, podName: string): Cluster {
  return sourceStoreView(cluster, podName) ?? cluster;
}
