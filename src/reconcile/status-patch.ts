// The status fields this pod owns, as one JSON merge patch (CNPG instance_controller.go / instance_startup.go).
import { isoTime } from '../log/iso-time.js';
import type { Cluster } from '../spec/cluster.js';
import type { StatusPatch } from '../model/objects.js';
import type { InstanceState } from '../model/instance-state.js';

/** CNPG's phase strings. */
export const PHASES = Object.freeze({
  healthy: 'Cluster in healthy state',
  applyingConfiguration: 'Applying configuration',
});

/** Builds the merge patch: current/target primary (set once) and the phase; only fields of the CRD's status schema. */
export function statusPatch(cluster: Cluster, state: InstanceState): StatusPatch {
  const patch: StatusPatch = {};
  if (cluster.status.currentPrimary !== state.podName) {
    patch.currentPrimary = state.podName;
    patch.currentPrimaryTimestamp = isoTime();
    patch.targetPrimary = state.podName;
  }
  patch.phase = state.pendingRestart ? PHASES.applyingConfiguration : PHASES.healthy;
  patch.phaseReason = state.pendingRestart
    ? `PostgreSQL configuration changed: restart needed for ${state.pendingRestartSettings.join(', ')}`
    : null;
  return patch;
}
