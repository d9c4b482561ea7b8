// `instance join`: wiring only. Clone the primary into PGDATA (the one-shot join step) with the reaper and
// the log pipes running beside it, then exit; `instance run` starts the new replica. A PGDATA that already
// holds data is moved aside first, never deleted (CNPG's join Job: internal/cmd/manager/instance/join).
import type { Config } from '../config/config.js';
import { ManagerError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { runJoinStep } from '../bootstrap/join-step.js';
import { joinStepOptions } from './join-options.js';
import { runOneShot } from './one-shot.js';
import { prepareInstance } from './prepare.js';

/** Clones PGDATA from the primary and exits; resolves with the process exit code. */
export async function instanceJoin(config: Config, root: Logger): Promise<number> {
  const p = await prepareInstance(config, root, false);
  return runOneShot(p, {
    verb: 'join',
    step: async (signal, provisioned) => runJoinStep(await joinStepOptions(p, provisioned), signal),
    interrupted: (reason) => new ManagerError('BOOTSTRAP', `instance join was interrupted (${reason}): nothing was kept, run it again`),
  });
}
