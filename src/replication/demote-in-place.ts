// A primary that is no longer targetPrimary comes back as a replica without its manager ending: the supervisor
// stops postgres (fast, bounded) and keeps it down, the primary Lease is released, the former-primary path of a
// start runs in this process (demote-at-start.ts: wait for the promotion, archive the leftover WAL, pg_rewind or
// a re-clone, the replica's files written), and the supervisor starts postgres again, as a replica. The
// servers keep answering meanwhile (/readyz false while postgres is down). A fenced primary (the Lease lost)
// never takes this path: it stops and its manager ends, the safety path. When any step fails the manager ends
// as it did before this path existed, with postgres down, and its next start takes the former-primary path
// again. CNPG's instance manager always ends after the demotion's fast stop and the kubelet restarts it
// (internal/management/controller/instance_controller.go, reconcileOldPrimary).
import { describeError } from '../errors.js';
import type { Logger } from '../log/logger.js';

/** What a demotion does next: back as a replica in this process, or the manager ends (postgres stays down). */
export type DemotionPath = 'in-place' | 'manager-ends';

/** A fenced primary ends its manager; any other demotion is tried in place. */
export function demotionPath(fenced: string | undefined): DemotionPath {
  return fenced === undefined ? 'in-place' : 'manager-ends';
}

export interface InPlaceOptions {
  log: Logger;
  /** Stops postgres and keeps it down; resolves with resume(), or undefined when the supervisor loop ended first. */
  hold: () => Promise<{ mode: string; resume: () => void } | undefined>;
  /** Right after postgres stopped: release the primary Lease (Kubernetes), so the new primary takes it at once. */
  afterStop: () => Promise<void>;
  /** Why this primary was fenced meanwhile, if it was: then it does not come back in place. */
  fenced: () => string | undefined;
  /** The former-primary path and the replica's files (the caller runs the whole demotion with no reconcile beside it). */
  prepare: (signal: AbortSignal) => Promise<void>;
}

/** Demotes in place; true once postgres is starting again, false when the manager must end (postgres down). */
export async function demoteInPlace(o: InPlaceOptions, signal: AbortSignal): Promise<boolean> {
  const started = Date.now();
  const held = await o.hold();
  if (!held) return false;
  o.log.info({ mode: held.mode }, 'former primary stopped: coming back as a replica in place');
  await o.afterStop();
  if (signal.aborted) return false;
  const fenced = o.fenced();
  if (fenced !== undefined) {
    o.log.warn({ reason: fenced }, 'fenced while demoting: not coming back in place');
    return false;
  }
  try {
    await o.prepare(signal);
  } catch (err) {
    // A stop during the demotion is no failure: postgres stays down and the manager stops as usual.
    if (!signal.aborted) o.log.error({ err: describeError(err) }, 'demotion in place failed: postgres stays down and the manager ends; its next start takes the former-primary path again');
    return false;
  }
  if (signal.aborted) return false;
  held.resume();
  o.log.info({ durationMs: Date.now() - started }, 'former primary prepared: starting postgres as a replica');
  return true;
}
