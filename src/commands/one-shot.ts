// The frame the one-shot commands share (`instance init|join|restore`, CNPG's initdb/join/restore Jobs:
// internal/cmd/manager/instance/{initdb,join,restore}/cmd.go): the reaper and the log pipes run beside one
// bootstrap step, SIGTERM/SIGINT stop it, and the outcome becomes the exit code.
import { EXIT } from '../config/constants.js';
import { ManagerError, PartFailedError } from '../errors.js';
import { child } from '../log/logger.js';
import { createReaper } from '../supervisor/reaper.js';
import { handleSignals } from '../supervisor/signals.js';
import { PartGroup } from './part-group.js';
import type { Prepared } from './prepare.js';
import { logPipesPart, reaperPart } from './run-parts.js';
import { provisionIfLocal } from './source-setup.js';

export interface OneShot {
  /** The command's verb, for its log lines: "init", "join", "restore". */
  verb: string;
  /** The step: resolves once it is done, with its postmaster (if any) stopped. */
  step: (signal: AbortSignal, provisioned: Promise<void>) => Promise<void>;
  /** What an interrupted step means for the next start, said in the error. */
  interrupted: (reason: string) => ManagerError;
}

/** Runs one bootstrap step with the reaper and log pipes beside it; resolves with the exit code. */
export async function runOneShot(p: Prepared, o: OneShot): Promise<number> {
  const log = child(p.root, 'instance');
  const signals = handleSignals(
    () => log.info(`SIGHUP during instance ${o.verb}: nothing to reload`),
    (signal) => log.info({ signal }, 'already stopping'),
  );
  const finished = new AbortController();
  const group = new PartGroup(log, AbortSignal.any([signals.stop, finished.signal]));
  let done = false;
  try {
    await group.start(reaperPart(createReaper({ registry: p.registry, log: child(p.root, 'reaper'), subreaper: process.pid !== 1 }), log));
    await group.start(logPipesPart(p.config.controller.log, p.root));
    const provisioned = provisionIfLocal(p.source, p.cluster, p.root, p.registry);
    // Awaited by the step; marked handled in case the group ends before the step runs.
    provisioned.catch(() => undefined);
    await group.during('bootstrap', EXIT.parts.bootstrap, async (signal) => {
      await o.step(signal, provisioned);
      done = true;
    });
    finished.abort(`${o.verb} complete`);
    const outcome = await group.wait();
    if (outcome.kind === 'failed') throw new PartFailedError(outcome.part.name, outcome.part.exitCode, outcome.error);
    if (!done) throw o.interrupted(String(outcome.reason));
    return EXIT.ok;
  } finally {
    signals.dispose();
    await p.db.close();
  }
}
