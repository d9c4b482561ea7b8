// The Cluster as this pod last patched it. The reconciler keeps the Cluster as read; the status fields this
// pod writes itself (currentPrimary after its first boot as primary) reach that copy only when the source
// yields a new version, which the file source never does for its own writes. wal-archive decides on
// currentPrimary (CNPG refuses to archive unless it names this pod), so it reads through this view.
import type { Cluster } from '../spec/cluster.js';
import type { SpecSource } from '../source/spec-source.js';

/** Wraps `source.patchStatus` to remember the fields patched while `current()` stays the same object. */
export function withOwnStatus(source: SpecSource, current: () => Cluster | undefined): () => Cluster | undefined {
  let patchedFor: Cluster | undefined;
  let patched: Record<string, unknown> = {};
  const send = source.patchStatus.bind(source);
  source.patchStatus = async (patch) => {
    await send(patch);
    const cluster = current();
    if (cluster !== patchedFor) patched = {};
    patchedFor = cluster;
    if (typeof patch.currentPrimary === 'string') patched = { ...patched, currentPrimary: patch.currentPrimary };
  };
  return () => {
    const cluster = current();
    if (!cluster || cluster !== patchedFor || Object.keys(patched).length === 0) return cluster;
    return { ...cluster, status: { ...cluster.status, ...patched } };
  };
}
