// The supervisor's wait while postgres runs: whichever comes first of the postmaster's exit, a stop request,
// a hold (a demotion in place) and the fencing of this instance. The loop beats meanwhile, so a stale tick
// while running means the event loop itself is stuck (the liveness probe's view).
import type { Postmaster, PostmasterExit } from './postmaster.js';

export type RunningOutcome = { kind: 'exit'; exit: PostmasterExit } | { kind: 'stop' } | { kind: 'hold' } | { kind: 'fence' };

/** Resolves with what ended the run; calls `tick` every second until then. */
export async function whileRunning(pm: Postmaster, stop: AbortSignal, holdAsked: Promise<unknown>, tick: () => void, fenced?: Promise<void>): Promise<RunningOutcome> {
  const heartbeat = setInterval(tick, 1000);
  heartbeat.unref();
  let onStop = (): void => undefined;
  return Promise.race([
    pm.exited.then((exit) => ({ kind: 'exit' as const, exit })),
    new Promise<{ kind: 'stop' }>((resolve) => {
      onStop = () => resolve({ kind: 'stop' });
      if (stop.aborted) onStop();
      stop.addEventListener('abort', onStop, { once: true });
    }),
    holdAsked.then(() => ({ kind: 'hold' as const })),
    ...(fenced ? [fenced.then(() => ({ kind: 'fence' as const }))] : []),
  ]).finally(() => {
    clearInterval(heartbeat);
    // Not left on `stop` after a crash: each restart in place would add one more.
    stop.removeEventListener('abort', onStop);
  });
}
