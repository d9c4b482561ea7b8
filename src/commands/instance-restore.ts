// `instance restore`: wiring only. The one-shot recovery step (bootstrap/recovery-step.ts) with the reaper and
// the log pipes running beside it; PGDATA is left recovered and promoted, postgres stopped, for `instance run`.
import { EXIT } from '../config/constants.js';
import type { Config } from '../config/config.js';
import { ManagerError } from '../errors.js';
import { child, type Logger } from '../log/logger.js';
import { runRecoveryStep } from '../bootstrap/recovery-step.js';
import { runOneShot } from './one-shot.js';
import { prepareInstance } from './prepare.js';
import { needsRecovery, recoveryStepOptions } from './recovery-options.js';

/** Recovers PGDATA from spec.bootstrap.recovery and exits; resolves with the process exit code. */
export async function instanceRestore(config: Config, root: Logger): Promise<number> {
  const log = child(root, 'instance');
  const p = await prepareInstance(config, root, false);
  if (!p.cluster.spec.bootstrap.recovery) throw new ManagerError('USAGE', 'instance restore: spec.bootstrap.recovery is not set in the Cluster');
  if (!(await needsRecovery(p))) {
    log.info({ pgdata: config.pgData }, 'PGDATA already initialised: nothing to restore');
    return EXIT.ok;
  }
  return runOneShot(p, {
    verb: 'restore',
    step: async (signal, provisioned) => {
      await runRecoveryStep(recoveryStepOptions(p, provisioned, () => p.db.close()), signal);
      log.info({ pgdata: config.pgData }, 'PGDATA recovered; postmaster stopped');
    },
    interrupted: (reason) => new ManagerError('RECOVERY', `instance restore was interrupted (${reason}): the next start restores again`),
  });
}
