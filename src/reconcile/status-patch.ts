// The status fields this pod owns, as one JSON merge patch: what CNPG's instance manager patches
// (instance_controller.go / instance_startup.go). currentPrimary and its timestamp are written by the
// target primary when it comes up as primary (first boot, after a promotion); phase and phaseReason on
// every reconcile. targetPrimary is the operator's alone (it chooses the primary) and never written here:
// where no operator exists, the file source plays its role (src/source/local-operator.ts).
import { isoTime } from '../log/iso-time.js';
import type { Cluster } from '../spec/cluster.js';
import { isDesignatedPrimary, isReplicaCluster } from '../spec/replica-mode.js';
import type { StatusPatch } from '../model/objects.js';
import type { InstanceState } from '../model/instance-state.js';
import { PHASES } from '../model/phases.js';

/** Builds the merge patch: currentPrimary when this pod is the target primary and not yet current, and the phase. */
export function statusPatch(cluster: Cluster, state: InstanceState): StatusPatch {
  const patch: StatusPatch = {};
  // A replica on disk is not the primary yet, whatever the target says: promotion writes currentPrimary.
  // The designated primary of a replica cluster is its current primary while a standby (CNPG reconcileDesignatedPrimary).
  const acting = state.role === 'primary' || isDesignatedPrimary(cluster, state.podName);
  if (acting && cluster.status.targetPrimary === state.podName && cluster.status.currentPrimary !== state.podName) {
    patch.currentPrimary = state.podName;
    patch.currentPrimaryTimestamp = isoTime();
  }
  // A promotion phase holds only while a promotion token is still asked for (CNPG keeps it until the promotion).
  if (state.heldPhase && !isReplicaCluster(cluster) && cluster.spec.replica?.promotionToken !== undefined) {
    patch.phase = state.heldPhase.phase;
    patch.phaseReason = state.heldPhase.reason;
    return patch;
  }
  patch.phase = state.pendingRestart ? PHASES.applyingConfiguration : PHASES.healthy;
  patch.phaseReason = state.pendingRestart
    ? `PostgreSQL configuration changed: restart needed for ${state.pendingRestartSettings.join(', ')}`
    : null;
  return patch;
}
