// The parts of `instance run`, each in the one shape of part-group.ts. Stop order: the spec watch first (no
// reconcile starts during the shutdown), then the postmaster (smart -> fast while the probes still answer),
// then the servers, the reaper (it collects what postgres leaves) and last the log pipes (postgres's logger
// writes until the very end).
import { EXIT } from '../config/constants.js';
import { describeError } from '../errors.js';
import { child, type Logger } from '../log/logger.js';
import { watchVolumes } from '../supervisor/volume-watch.js';
import { startLogPipes } from '../log/log-pipes.js';
import type { Reaper } from '../supervisor/reaper.js';
import type { Lifecycle } from '../supervisor/lifecycle.js';
import type { Postmaster } from '../supervisor/postmaster.js';
import type { Part } from './part-group.js';
import { startServers, type Servers, type ServersOptions } from './servers.js';

const LOG_PIPES_OPEN_MS = 10_000;
const REAPER_DRAIN_MS = 2000;

/** Reaps orphans until stopped; on the way out, waits a moment for postgres's last processes. */
export function reaperPart(reaper: Reaper, log: Logger): Part {
  return {
    name: 'reaper',
    stopOrder: 3,
    exitCode: EXIT.parts.reaper,
    async start(signal, ready) {
      const inner = new AbortController();
      const running = reaper.start(inner.signal);
      ready();
      await abortOf(signal);
      // postgres's logger outlives the postmaster by a moment; reap it rather than leave a zombie behind.
      if (!(await reaper.drain(REAPER_DRAIN_MS))) log.warn('orphaned processes still running at exit');
      inner.abort();
      await running;
    },
  };
}

/** Checks the PGDATA and WAL volumes' free space and logs when one fills or has room again. */
export function volumesPart(pgData: string, root: Logger): Part {
  return {
    name: 'volume-watch',
    stopOrder: 3,
    exitCode: EXIT.parts.volumeWatch,
    async start(signal, ready) {
      ready();
      await watchVolumes({ pgData, log: child(root, 'volumes') }, signal);
    },
  };
}

/** The log FIFOs postgres writes into, re-emitted as JSON lines; ready once all are open. */
export function logPipesPart(logDir: string, root: Logger): Part {
  return {
    name: 'log-pipes',
    stopOrder: 4,
    exitCode: EXIT.parts.logPipes,
    async start(signal, ready) {
      const pipes = startLogPipes({ logDir, root, signal });
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`the log FIFOs in ${logDir} did not open within ${LOG_PIPES_OPEN_MS} ms`)), LOG_PIPES_OPEN_MS);
      });
      try {
        await Promise.race([pipes.ready, late]);
      } finally {
        clearTimeout(timer);
      }
      ready();
      await pipes.done;
    },
  };
}

/** The postmaster's lifecycle; ready as soon as a postmaster is spawned (the servers start while it starts). */
export function lifecyclePart(lifecycle: Lifecycle, onSpawned: { ready?: () => void }, handedOver: Postmaster | undefined, log: Logger): Part {
  return {
    name: 'postmaster',
    stopOrder: 1,
    exitCode: EXIT.parts.postmaster,
    async start(signal, ready) {
      onSpawned.ready = ready;
      const mode = await lifecycle.run(signal, handedOver);
      // Fenced (a lost primary Lease): the role part ends the group with its exit code; this one waits for the stop.
      if (lifecycle.fenced && !signal.aborted) await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
      log.info({ mode }, 'instance manager stopping');
    },
  };
}

/** The status (:8000) and metrics (:9187) servers; ready once the status port is bound. */
export function serversPart(options: ServersOptions, holder: { servers?: Servers }): Part {
  return {
    name: 'servers',
    stopOrder: 2,
    exitCode: EXIT.parts.servers,
    async start(signal, ready) {
      holder.servers = await startServers(options, signal);
      ready();
      await holder.servers.done;
      if (!signal.aborted) throw new Error('the metrics server stopped');
    },
  };
}

/** Follows the spec source (reconcile/follow-changes.ts: each new version applied, failures retried); ready at once. */
export function watchPart(follow: (signal: AbortSignal) => Promise<void>, log: Logger): Part {
  return {
    name: 'spec-watch',
    stopOrder: 0,
    exitCode: EXIT.parts.specWatch,
    async start(signal, ready) {
      ready();
      try {
        await follow(signal);
      } catch (err) {
        if (!signal.aborted) throw err;
        log.debug({ err: describeError(err) }, 'spec watch ended while stopping');
      }
    },
  };
}

function abortOf(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}
