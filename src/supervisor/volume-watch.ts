// Says when the PGDATA or WAL volume fills up and when it has room again, while the manager runs. A full data
// volume does not stop postgres (every write fails with "No space left on device" and the probes stay green),
// and a full WAL volume makes it PANIC: either way the log names the volume and how full it is, once per
// change rather than at every check.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../log/logger.js';
import { describeSpace, readVolumeSpace, WAL_SEGMENT_BYTES, type VolumeName, type VolumeSpace } from './volume-space.js';

export interface VolumeWatchOptions {
  pgData: string;
  log: Logger;
  /** Default 10 s: a statfs per volume, no I/O on the volume itself. */
  intervalMs?: number;
  /** Below this many free bytes a volume counts as full (default one WAL segment). */
  fullBelowBytes?: number;
  /** Default: statfs of PGDATA and pg_wal. */
  read?: () => Promise<VolumeSpace[]>;
}

/** Checks the volumes every interval until `signal` aborts, logging each change between full and not full. */
export async function watchVolumes(o: VolumeWatchOptions, signal: AbortSignal): Promise<void> {
  const read = o.read ?? (() => readVolumeSpace(o.pgData));
  const fullBelow = o.fullBelowBytes ?? WAL_SEGMENT_BYTES;
  const full = new Set<VolumeName>();
  while (!signal.aborted) {
    for (const space of await read().catch(() => [] as VolumeSpace[])) {
      const isFull = space.freeBytes < fullBelow;
      if (isFull === full.has(space.volume)) continue;
      if (isFull) {
        full.add(space.volume);
        o.log.error({ ...describeSpace(space), fullBelowBytes: fullBelow }, `${space.volume} volume full: writes fail until space is freed`);
      } else {
        full.delete(space.volume);
        o.log.info(describeSpace(space), `${space.volume} volume has space again`);
      }
    }
    await sleep(o.intervalMs ?? 10_000, undefined, { signal }).catch(() => undefined);
  }
}
