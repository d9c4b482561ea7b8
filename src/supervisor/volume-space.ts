// Free and total space of the PGDATA and WAL volumes (statfs(2) through fs.statfs), for the pre-start check,
// the crash diagnosis, /pg/status and the cnpg_pg_volume_* metrics. pg_wal may be a symlink to a volume of
// its own (CNPG's walStorage); statfs follows it. Free means what an unprivileged writer such as postgres may
// still use (f_bavail), not the blocks reserved for root.
import { statfs } from 'node:fs/promises';
import { join } from 'node:path';

export type VolumeName = 'pgdata' | 'wal';

export interface VolumeSpace {
  volume: VolumeName;
  path: string;
  freeBytes: number;
  totalBytes: number;
}

/** The space one WAL segment needs (the default --wal-segsize, 16 MiB): less than this free and postgres PANICs. */
export const WAL_SEGMENT_BYTES = 16 * 1024 * 1024;

/** Both volumes; a volume that cannot be read (PGDATA not made yet) is left out. */
export async function readVolumeSpace(pgData: string): Promise<VolumeSpace[]> {
  const paths: [VolumeName, string][] = [
    ['pgdata', pgData],
    ['wal', join(pgData, 'pg_wal')],
  ];
  const out: VolumeSpace[] = [];
  for (const [volume, path] of paths) {
    try {
      const s = await statfs(path);
      out.push({ volume, path, freeBytes: s.bavail * s.bsize, totalBytes: s.blocks * s.bsize });
    } catch {
      // not there yet, or unreadable: nothing to report
    }
  }
  return out;
}

/** The first volume with less than `neededBytes` free (the WAL volume first: its shortage stops postgres). */
export function shortOfSpace(spaces: readonly VolumeSpace[], neededBytes = WAL_SEGMENT_BYTES): VolumeSpace | undefined {
  return [...spaces].sort((a, b) => (a.volume === 'wal' ? -1 : 0) - (b.volume === 'wal' ? -1 : 0)).find((s) => s.freeBytes < neededBytes);
}

/** Log fields and message words for a full volume: which, where, how full. */
export function describeSpace(s: VolumeSpace): { volume: VolumeName; path: string; freeBytes: number; totalBytes: number; usedPercent: number } {
  const usedPercent = s.totalBytes > 0 ? Math.round((1000 * (s.totalBytes - s.freeBytes)) / s.totalBytes) / 10 : 100;
  return { volume: s.volume, path: s.path, freeBytes: s.freeBytes, totalBytes: s.totalBytes, usedPercent };
}
