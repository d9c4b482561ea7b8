// The WAL volume's room before each start of postgres: CNPG refuses to start postgres without room for one WAL
// segment (MissingWALDiskSpaceExitCode). In 'exit' mode the manager does the same (exit 4); in 'restart' mode it
// waits, with backoff, until space returns. A crash while the volume is full names it in the manager's error.
import { setTimeout as sleep } from 'node:timers/promises';
import { ManagerError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { PostmasterControl } from './postmaster-control.js';
import { nextRestart, type BackoffPolicy } from './restart-backoff.js';
import { describeSpace, WAL_SEGMENT_BYTES, type VolumeSpace } from './volume-space.js';

export interface WalSpaceGate {
  control: Pick<PostmasterControl, 'volumeSpace'>;
  policy: 'restart' | 'exit';
  log: Logger;
  backoff: BackoffPolicy;
  /** Called each time a start is held back (no WAL space). */
  onStartHeld?: () => void;
  /** The loop's phase becomes 'restarting' while it waits. */
  restarting: () => void;
}

/** True once the WAL volume has room for one segment; false when stopped meanwhile; throws in 'exit' mode. */
export async function waitForWalSpace(g: WalSpaceGate, stop: AbortSignal): Promise<boolean> {
  let reported = false;
  for (let failures = 1; ; ) {
    const wal = (await g.control.volumeSpace()).find((s) => s.volume === 'wal');
    if (wal === undefined || wal.freeBytes >= WAL_SEGMENT_BYTES) {
      if (reported && wal) g.log.info(describeSpace(wal), 'WAL volume has space again: starting postgres');
      return true;
    }
    const d = describeSpace(wal);
    const words = `the WAL volume (${d.path}) has ${d.freeBytes} of ${d.totalBytes} bytes free (${d.usedPercent}% used), less than one WAL segment (${WAL_SEGMENT_BYTES} bytes)`;
    if (g.policy === 'exit') throw new ManagerError('NO_WAL_SPACE', `${words}: not starting postgres`);
    if (!reported) g.log.error({ ...d, neededBytes: WAL_SEGMENT_BYTES }, 'WAL volume full: postgres starts once space is freed');
    reported = true;
    g.onStartHeld?.();
    const next = nextRestart(failures, 0, g.backoff);
    failures = next.failures;
    g.restarting();
    await sleep(next.delayMs, undefined, { signal: stop }).catch(() => undefined);
    if (stop.aborted) return false;
  }
}

/** The manager's error for a postmaster that ended while the WAL volume was full (exit 4), else `fallback`. */
export function walFullError(full: VolumeSpace | undefined, fallback: Error): Error {
  if (full?.volume !== 'wal') return fallback;
  const d = describeSpace(full);
  return new ManagerError('NO_WAL_SPACE', `${fallback.message}: the WAL volume (${d.path}) is full (${d.freeBytes} of ${d.totalBytes} bytes free)`, { cause: fallback });
}
