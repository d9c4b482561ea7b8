/** CNPG's phase strings. */
export const PHASES = Object.freeze({
    healthy: 'Cluster in healthy state',
    applyingConfiguration: 'Applying configuration',
});
/** Builds the merge patch: current/target primary (set once) and the phase; only fields of the CRD's status schema. */
export function statusPatch(cluster, state) {
    const patch = {};
    if (cluster.status.currentPrimary !== state.podName) {
        patch.currentPrimary = state.podName;
        patch.currentPrimaryTimestamp = new Date().toISOString();
        patch.targetPrimary = state.podName;
    }
    patch.phase = state.pendingRestart ? PHASES.applyingConfiguration : PHASES.healthy;
    patch.phaseReason = state.pendingRestart
        ? `PostgreSQL configuration changed: restart needed for ${state.pendingRestartSettings.join(', ')}`
        : null;
    return patch;
}
//# sourceMappingURL=status-patch.js.map