// The one place that turns process signals into an AbortSignal (stop) and a callback (reload).
// Node as PID 1 ignores SIGTERM unless a handler is installed (toolchain.md), so handlers are always set.
/** Installs SIGTERM/SIGINT (stop) and SIGHUP (reload) handlers. A second stop signal is logged, not fatal. */
export function handleSignals(onReload, onRepeat) {
    const controller = new AbortController();
    const onStop = (signal) => {
        if (controller.signal.aborted)
            onRepeat(signal);
        else
            controller.abort(signal);
    };
    const onHup = () => onReload();
    process.on('SIGTERM', onStop);
    process.on('SIGINT', onStop);
    process.on('SIGHUP', onHup);
    return {
        stop: controller.signal,
        dispose() {
            process.off('SIGTERM', onStop);
            process.off('SIGINT', onStop);
            process.off('SIGHUP', onHup);
        },
    };
}
//# sourceMappingURL=signals.js.map