// The one object the servers (status :8000, metrics :9187) read: written by the reconcile path and the
// supervisor, never blocking on postgres.
import { randomUUID } from 'node:crypto';
/** A fresh state for this process. */
export function createInstanceState(clusterName, podName) {
    return {
        sessionId: randomUUID(),
        clusterName,
        podName,
        postmasterPid: undefined,
        ready: false,
        configSha256: '',
        filesSha256: '',
        loadedConfigSha256: '',
        pendingRestart: false,
        pendingRestartSettings: [],
        lastReloadAt: undefined,
        lastError: undefined,
    };
}
//# sourceMappingURL=instance-state.js.map