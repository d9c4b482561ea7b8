// `instance pgbasebackup`: wiring only. CNPG's operator runs it in a Job before the first instance of a Cluster
// bootstrapped by spec.bootstrap.pg_basebackup (internal/cmd/manager/instance/pgbasebackup/cmd.go): the one-shot
// clone of the external cluster (bootstrap/clone-external-step.ts, the step `instance run` takes on an empty
// PGDATA) with the reaper and the log pipes beside it, then exit; `instance run` starts the clone.
import { EXIT } from '../config/constants.js';
import type { Config } from '../config/config.js';
import { ManagerError } from '../errors.js';
import { child, type Logger } from '../log/logger.js';
import { cloneOptions } from './clone-options.js';
import { runOneShot } from './one-shot.js';
import { prepareInstance } from './prepare.js';

/** Clones spec.bootstrap.pg_basebackup's source into PGDATA and exits; resolves with the process exit code. */
export async function instancePgBasebackup(config: Config, root: Logger): Promise<number> {
  const log = child(root, 'instance');
  const p = await prepareInstance(config, root, false);
  if (!p.cluster.spec.bootstrap.pgBasebackup) throw new ManagerError('USAGE', 'instance pgbasebackup: spec.bootstrap.pg_basebackup is not set in the Cluster');
  if (p.pgState === 'initialised') {
    log.info({ pgdata: config.pgData }, 'PGDATA already initialised: nothing to clone');
    return EXIT.ok;
  }
  return runOneShot(p, {
    verb: 'pgbasebackup',
    step: async (signal, provisioned) => {
      const { runCloneExternalStep } = await import('../bootstrap/clone-external-step.js');
      await runCloneExternalStep(await cloneOptions(p, provisioned), signal);
      log.info({ pgdata: config.pgData }, 'PGDATA cloned from spec.bootstrap.pg_basebackup.source');
    },
    interrupted: (reason) => new ManagerError('BOOTSTRAP', `instance pgbasebackup was interrupted (${reason}): nothing was kept, run it again`),
  });
}
