// `instance init`: wiring only. The one-shot bootstrap step (initdb, bootstrap SQL, passwords) with the reaper
// and the log pipes running beside it; the postmaster it started is stopped, and PGDATA is left initialised.
import { EXIT } from '../config/constants.js';
import type { Config } from '../config/config.js';
import { ManagerError, PartFailedError } from '../errors.js';
import { child, type Logger } from '../log/logger.js';
import { runInitStep } from '../bootstrap/init-step.js';
import { createReaper } from '../supervisor/reaper.js';
import { handleSignals } from '../supervisor/signals.js';
import { stopPostmaster } from '../supervisor/stop.js';
import { initStepOptions } from './init-options.js';
import { PartGroup } from './part-group.js';
import { prepareInstance } from './prepare.js';
import { logPipesPart, reaperPart } from './run-parts.js';
import { provisionIfLocal } from './source-setup.js';

/** Initialises PGDATA and exits; resolves with the process exit code. */
export async function instanceInit(config: Config, root: Logger, emergency: { stopPostgres?: () => void } = {}): Promise<number> {
  const log = child(root, 'instance');
  const p = await prepareInstance(config, root, false);
  if (p.pgState === 'initialised') {
    log.info({ pgdata: config.pgData }, 'PGDATA already initialised: nothing to do');
    return EXIT.ok;
  }
  const signals = handleSignals(
    () => log.info('SIGHUP during instance init: nothing to reload'),
    (signal) => log.info({ signal }, 'already stopping'),
  );
  const finished = new AbortController();
  const group = new PartGroup(log, AbortSignal.any([signals.stop, finished.signal]));
  let initialised = false;
  try {
    await group.start(reaperPart(createReaper({ registry: p.registry, log: child(root, 'reaper'), subreaper: process.pid !== 1 }), log));
    await group.start(logPipesPart(config.controller.log, root));
    const provisioned = provisionIfLocal(p.source, p.cluster, root, p.registry);
    // Awaited by the bootstrap step; marked handled in case the group ends before that step runs.
    provisioned.catch(() => undefined);
    await group.during('bootstrap', EXIT.parts.bootstrap, async (signal) => {
      const pm = await runInitStep(initStepOptions(p, provisioned, () => p.db.close()), signal);
      emergency.stopPostgres = () => pm.signal('SIGINT');
      const mode = await stopPostmaster(pm, { ...p.budget(), log, closeConnections: () => p.db.close() });
      initialised = true;
      log.info({ pgdata: config.pgData, mode }, 'PGDATA initialised; postmaster stopped');
    });
    finished.abort('init complete');
    const outcome = await group.wait();
    if (outcome.kind === 'failed') throw new PartFailedError(outcome.part.name, outcome.part.exitCode, outcome.error);
    if (!initialised) throw new ManagerError('BOOTSTRAP', `instance init was interrupted (${String(outcome.reason)}): the next start finishes or redoes the bootstrap`);
    return EXIT.ok;
  } finally {
    signals.dispose();
    await p.db.close();
  }
}
