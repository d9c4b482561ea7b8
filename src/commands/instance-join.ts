// `instance join`: wiring only. Clone the primary into PGDATA (the one-shot join step) with the reaper and
// the log pipes running beside it, then exit; `instance run` starts the new replica. A PGDATA that already
// holds data is moved aside first, never deleted (CNPG's join Job: internal/cmd/manager/instance/join).
import { EXIT } from '../config/constants.js';
import type { Config } from '../config/config.js';
import { ManagerError, PartFailedError } from '../errors.js';
import { child, type Logger } from '../log/logger.js';
import { runJoinStep } from '../bootstrap/join-step.js';
import { createReaper } from '../supervisor/reaper.js';
import { handleSignals } from '../supervisor/signals.js';
import { joinStepOptions } from './join-options.js';
import { PartGroup } from './part-group.js';
import { prepareInstance } from './prepare.js';
import { logPipesPart, reaperPart } from './run-parts.js';
import { provisionIfLocal } from './source-setup.js';

/** Clones PGDATA from the primary and exits; resolves with the process exit code. */
export async function instanceJoin(config: Config, root: Logger): Promise<number> {
  const log = child(root, 'instance');
  const p = await prepareInstance(config, root, false);
  const signals = handleSignals(
    () => log.info('SIGHUP during instance join: nothing to reload'),
    (signal) => log.info({ signal }, 'already stopping'),
  );
  const finished = new AbortController();
  const group = new PartGroup(log, AbortSignal.any([signals.stop, finished.signal]));
  let joined = false;
  try {
    await group.start(reaperPart(createReaper({ registry: p.registry, log: child(root, 'reaper'), subreaper: process.pid !== 1 }), log));
    await group.start(logPipesPart(config.controller.log, root));
    const provisioned = provisionIfLocal(p.source, p.cluster, root, p.registry);
    provisioned.catch(() => undefined);
    await group.during('bootstrap', EXIT.parts.bootstrap, async (signal) => {
      await runJoinStep(await joinStepOptions(p, provisioned), signal);
      joined = true;
    });
    finished.abort('join complete');
    const outcome = await group.wait();
    if (outcome.kind === 'failed') throw new PartFailedError(outcome.part.name, outcome.part.exitCode, outcome.error);
    if (!joined) throw new ManagerError('BOOTSTRAP', `instance join was interrupted (${String(outcome.reason)}): nothing was kept, run it again`);
    return EXIT.ok;
  } finally {
    signals.dispose();
  }
}
