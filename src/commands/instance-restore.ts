// `instance restore`: wiring only. The one-shot recovery step (bootstrap/recovery-step.ts) with the reaper and
// the log pipes running beside it; PGDATA is left recovered and promoted, postgres stopped, for `instance run`.
import { EXIT } from '../config/constants.js';
import type { Config } from '../config/config.js';
import { ManagerError, PartFailedError } from '../errors.js';
import { child, type Logger } from '../log/logger.js';
import { runRecoveryStep } from '../bootstrap/recovery-step.js';
import { createReaper } from '../supervisor/reaper.js';
import { handleSignals } from '../supervisor/signals.js';
import { PartGroup } from './part-group.js';
import { prepareInstance } from './prepare.js';
import { needsRecovery, recoveryStepOptions } from './recovery-options.js';
import { logPipesPart, reaperPart } from './run-parts.js';
import { provisionIfLocal } from './source-setup.js';

/** Recovers PGDATA from spec.bootstrap.recovery and exits; resolves with the process exit code. */
export async function instanceRestore(config: Config, root: Logger, emergency: { stopPostgres?: () => void } = {}): Promise<number> {
  const log = child(root, 'instance');
  const p = await prepareInstance(config, root, false);
  if (!p.cluster.spec.bootstrap.recovery) throw new ManagerError('USAGE', 'instance restore: spec.bootstrap.recovery is not set in the Cluster');
  if (!(await needsRecovery(p))) {
    log.info({ pgdata: config.pgData }, 'PGDATA already initialised: nothing to restore');
    return EXIT.ok;
  }
  void emergency;
  const signals = handleSignals(
    () => log.info('SIGHUP during instance restore: nothing to reload'),
    (signal) => log.info({ signal }, 'already stopping'),
  );
  const finished = new AbortController();
  const group = new PartGroup(log, AbortSignal.any([signals.stop, finished.signal]));
  let restored = false;
  try {
    await group.start(reaperPart(createReaper({ registry: p.registry, log: child(root, 'reaper'), subreaper: process.pid !== 1 }), log));
    await group.start(logPipesPart(config.controller.log, root));
    const provisioned = provisionIfLocal(p.source, p.cluster, root, p.registry);
    provisioned.catch(() => undefined);
    await group.during('bootstrap', EXIT.parts.bootstrap, async (signal) => {
      await runRecoveryStep(recoveryStepOptions(p, provisioned, () => p.db.close()), signal);
      restored = true;
      log.info({ pgdata: config.pgData }, 'PGDATA recovered; postmaster stopped');
    });
    finished.abort('restore complete');
    const outcome = await group.wait();
    if (outcome.kind === 'failed') throw new PartFailedError(outcome.part.name, outcome.part.exitCode, outcome.error);
    if (!restored) throw new ManagerError('RECOVERY', `instance restore was interrupted (${String(outcome.reason)}): the next start restores again`);
    return EXIT.ok;
  } finally {
    signals.dispose();
    await p.db.close();
  }
}
