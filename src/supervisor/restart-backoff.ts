// When to restart a postmaster that exited unexpectedly (the embedded default restarts in place; in Kubernetes
// the kubelet does). Pure: the caller keeps the count of consecutive failures and sleeps the returned delay.
//
// The first failure restarts at once, each further one in a row waits twice as long (100 ms, 200 ms... capped
// at 10 s). A postmaster that served (was ready) for RESET_AFTER_READY_MS counts as a success: the next crash
// starts over with an immediate restart, instead of paying the cap left by earlier crashes.

/** The backoff knobs; lifecycle.ts uses RESTART_BACKOFF, tests pass shorter ones. */
export interface BackoffPolicy {
  /** The wait before the second restart in a row; doubled for each further one. */
  initialMs: number;
  maxMs: number;
  /** Ready this long, the postmaster has recovered: the failure count starts over. */
  resetAfterReadyMs: number;
}

export const RESTART_BACKOFF: Readonly<BackoffPolicy> = Object.freeze({ initialMs: 100, maxMs: 10_000, resetAfterReadyMs: 10_000 });

/** The next restart after a failure: how long to wait first, and the new count of failures in a row. */
export interface RestartDecision {
  delayMs: number;
  failures: number;
}

/**
 * `failures`: failures in a row before this one; `servedMs`: how long the postmaster that just exited had been
 * ready (0 when it never was).
 */
export function nextRestart(failures: number, servedMs: number, policy: BackoffPolicy = RESTART_BACKOFF): RestartDecision {
  const before = servedMs >= policy.resetAfterReadyMs ? 0 : failures;
  const delayMs = before === 0 ? 0 : Math.min(policy.initialMs * 2 ** Math.min(before - 1, 30), policy.maxMs);
  return { delayMs, failures: before + 1 };
}
