// What the lifecycle loop does to a postmaster, behind a small interface so the loop's restart and backoff
// logic can be tested with a hand-written fake (test/unit/supervisor/lifecycle-restart.test.ts). The real
// one spawns `postgres -D` (or adopts a live postmaster), polls postmaster.pid, and after an unexpected exit
// ends orphaned backends and reads pg_controldata.
import { readControlData, summarise } from './controldata.js';
import { inspectPidFile } from './pidfile.js';
import { waitGroupGone, waitUntilReady, type Postmaster } from './postmaster.js';
import { startOrAdoptPostmaster, type StartPostmasterOptions } from './start-postmaster.js';
import { readVolumeSpace, type VolumeSpace } from './volume-space.js';

export interface PostmasterControl {
  /** Spawns a postmaster, or adopts the live one postmaster.pid names. */
  start(): Promise<Postmaster>;
  /** True when start() would adopt a live postmaster rather than spawn one. */
  willAdopt(): Promise<boolean>;
  /** Resolves once it accepts connections; rejects when it exits first, the deadline passes or `stop` aborts. */
  waitUntilReady(pm: Postmaster, timeoutMs: number, stop: AbortSignal): Promise<void>;
  /** After an unexpected exit: ends what is left of its process group; returns pg_controldata's summary. */
  cleanUpAfterExit(pm: Postmaster): Promise<Record<string, string> | string>;
  /** Free and total space of the PGDATA and WAL volumes. */
  volumeSpace(): Promise<VolumeSpace[]>;
}

/** What the real control needs: the same as starting a postmaster. */
export type RealControlOptions = StartPostmasterOptions;

/** The real postmaster, spawned as a direct child. */
export function realPostmasterControl(o: RealControlOptions): PostmasterControl {
  return {
    start: () => startOrAdoptPostmaster(o),
    willAdopt: async () => (await inspectPidFile(o.pgData)).kind === 'live',
    waitUntilReady: (pm, timeoutMs, stop) => waitUntilReady(pm, o.pgData, timeoutMs, stop),
    async cleanUpAfterExit(pm) {
      // Backends of a dead postmaster keep the shared memory interlock busy: end them before anything else.
      if (!pm.adopted) {
        pm.signalGroup('SIGKILL');
        await waitGroupGone(pm.pid, 5000);
      }
      const control = await readControlData(o.pgBin, o.pgData, o.registry);
      return control.ok ? summarise(control.text) : control.text;
    },
    volumeSpace: () => readVolumeSpace(o.pgData),
  };
}
