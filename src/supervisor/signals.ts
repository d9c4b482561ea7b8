// The one place that turns process signals into an AbortSignal (stop) and a callback (reload).
// Node as PID 1 ignores SIGTERM unless a handler is installed (kill(2): PID 1 gets only the
// signals it has a handler for), so handlers are always set.

export interface SignalHandling {
  /** Aborted on the first SIGTERM or SIGINT; `reason` names the signal. */
  stop: AbortSignal;
  /** Aborted on the second one: don't wait for a smart shutdown (what a second Ctrl-C means to pg_ctl users). */
  hurry: AbortSignal;
  /** Detaches the handlers. */
  dispose(): void;
}

/**
 * Installs SIGTERM/SIGINT (stop) and SIGHUP (reload) handlers. A second stop signal aborts `hurry` (a smart
 * shutdown moves on to fast) and is reported; later ones are only reported.
 */
export function handleSignals(onReload: () => void, onRepeat: (signal: string) => void): SignalHandling {
  const controller = new AbortController();
  const hurry = new AbortController();
  const onStop = (signal: NodeJS.Signals): void => {
    if (!controller.signal.aborted) controller.abort(signal);
    else {
      hurry.abort(signal);
      onRepeat(signal);
    }
  };
  const onHup = (): void => onReload();
  process.on('SIGTERM', onStop);
  process.on('SIGINT', onStop);
  process.on('SIGHUP', onHup);
  return {
    stop: controller.signal,
    hurry: hurry.signal,
    dispose(): void {
      process.off('SIGTERM', onStop);
      process.off('SIGINT', onStop);
      process.off('SIGHUP', onHup);
    },
  };
}

/**
 * SIGUSR1 would start Node's inspector on 127.0.0.1:9229: a debugger that runs any JavaScript inside the
 * manager, for anyone who may signal it (every process of its user, such as a superuser's COPY ... TO PROGRAM
 * or an archive command) and can then reach the pod's loopback (any container of the pod). A listener of our own
 * replaces Node's handler on every Node version (`--disable-sigusr1` exists only from Node 22.14), so the signal
 * is reported and ignored. Installed first thing, before any other work.
 */
export function refuseInspectorSignal(onSignal: () => void): void {
  process.on('SIGUSR1', onSignal);
}
