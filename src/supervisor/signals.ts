// The one place that turns process signals into an AbortSignal (stop) and a callback (reload).
// Node as PID 1 ignores SIGTERM unless a handler is installed (toolchain.md), so handlers are always set.

export interface SignalHandling {
  /** Aborted on the first SIGTERM or SIGINT; `reason` names the signal. */
  stop: AbortSignal;
  /** Detaches the handlers. */
  dispose(): void;
}

/** Installs SIGTERM/SIGINT (stop) and SIGHUP (reload) handlers. A second stop signal is logged, not fatal. */
export function handleSignals(onReload: () => void, onRepeat: (signal: string) => void): SignalHandling {
  const controller = new AbortController();
  const onStop = (signal: NodeJS.Signals): void => {
    if (controller.signal.aborted) onRepeat(signal);
    else controller.abort(signal);
  };
  const onHup = (): void => onReload();
  process.on('SIGTERM', onStop);
  process.on('SIGINT', onStop);
  process.on('SIGHUP', onHup);
  return {
    stop: controller.signal,
    dispose(): void {
      process.off('SIGTERM', onStop);
      process.off('SIGINT', onStop);
      process.off('SIGHUP', onHup);
    },
  };
}
