import { waitGroupGone } from './postmaster.js';
async function exitWithin(pm, ms) {
    if (pm.hasExited())
        return true;
    let timer;
    const timeout = new Promise((resolve) => {
        timer = setTimeout(() => resolve(false), Math.max(0, ms));
    });
    try {
        return await Promise.race([pm.exited.then(() => true), timeout]);
    }
    finally {
        clearTimeout(timer);
    }
}
/**
 * Stops the postmaster: smart bounded by smartShutdownTimeout (skipped when stopDelay <= it, as CNPG
 * does), then fast with what is left of stopDelay, then immediate. CNPG never escalates and leaves
 * that to the kubelet's SIGKILL; we escalate ourselves so the last step still lets postgres write
 * nothing half-done. Returns the mode that finished the job.
 */
export async function stopPostmaster(pm, options) {
    const started = Date.now();
    const budgetMs = options.stopDelay * 1000;
    const left = () => budgetMs - (Date.now() - started);
    const useSmart = options.smartShutdownTimeout > 0 && options.stopDelay > options.smartShutdownTimeout;
    if (!useSmart)
        options.log.warn({ smartShutdownTimeout: options.smartShutdownTimeout, stopDelay: options.stopDelay }, 'smart shutdown skipped: stopDelay must exceed smartShutdownTimeout');
    if (pm.hasExited())
        return 'fast';
    if (options.checkpoint) {
        const checkpointBudget = Math.min(left() / 2, useSmart ? options.smartShutdownTimeout * 1000 : left() / 2);
        await options.checkpoint(checkpointBudget).catch((err) => {
            options.log.warn({ err: { message: err.message } }, 'checkpoint before shutdown failed');
        });
    }
    await options.closeConnections?.();
    if (useSmart) {
        options.log.info({ timeoutSeconds: options.smartShutdownTimeout }, 'requesting smart shutdown');
        pm.signal('SIGTERM');
        if (await exitWithin(pm, Math.min(options.smartShutdownTimeout * 1000, left())))
            return 'smart';
        options.log.warn('smart shutdown timed out');
    }
    options.log.info({ timeoutMs: Math.max(0, left()) }, 'requesting fast shutdown');
    pm.signal('SIGINT');
    if (await exitWithin(pm, left()))
        return 'fast';
    options.log.error('fast shutdown timed out: requesting immediate shutdown');
    pm.signal('SIGQUIT');
    if (!(await exitWithin(pm, 5000)))
        pm.signalGroup('SIGKILL');
    await waitGroupGone(pm.pid, 5000);
    return 'immediate';
}
//# sourceMappingURL=stop.js.map