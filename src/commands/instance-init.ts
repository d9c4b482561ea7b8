// `instance init`: wiring only. The one-shot bootstrap step (initdb, bootstrap SQL, passwords) with the reaper
// and the log pipes running beside it; the postmaster it started is stopped, and PGDATA is left initialised.
import { EXIT } from '../config/constants.js';
import type { Config } from '../config/config.js';
import { ManagerError } from '../errors.js';
import { child, type Logger } from '../log/logger.js';
import { runInitStep } from '../bootstrap/init-step.js';
import { stopPostmaster } from '../supervisor/stop.js';
import { initStepOptions } from './init-options.js';
import { runOneShot } from './one-shot.js';
import { prepareInstance } from './prepare.js';

/** Initialises PGDATA and exits; resolves with the process exit code. */
export async function instanceInit(config: Config, root: Logger, emergency: { stopPostgres?: () => void } = {}): Promise<number> {
  const log = child(root, 'instance');
  const p = await prepareInstance(config, root, false);
  if (p.pgState === 'initialised') {
    log.info({ pgdata: config.pgData }, 'PGDATA already initialised: nothing to do');
    return EXIT.ok;
  }
  return runOneShot(p, {
    verb: 'init',
    step: async (signal, provisioned) => {
      const pm = await runInitStep(initStepOptions(p, provisioned, () => p.db.close()), signal);
      emergency.stopPostgres = () => pm.signal('SIGINT');
      const mode = await stopPostmaster(pm, { ...p.budget(), log, closeConnections: () => p.db.close() });
      log.info({ pgdata: config.pgData, mode }, 'PGDATA initialised; postmaster stopped');
    },
    interrupted: (reason) => new ManagerError('BOOTSTRAP', `instance init was interrupted (${reason}): the next start finishes or redoes the bootstrap`),
  });
}
