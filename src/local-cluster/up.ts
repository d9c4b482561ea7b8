// `local-cluster up`: one instance manager process per instance, kept running (a crashed one restarted with
// backoff; one that ended to change role, exit code EXIT.parts.role, at once: a fenced primary, or a demotion
// that could not finish in place), the first one started alone until it serves
// (it creates the secrets and the primary the others clone), then the rest; the local operator beside them.
// A stop (Ctrl-C) stops every manager with one SIGTERM (they run in their own process groups) and waits.
import { setTimeout as sleep } from 'node:timers/promises';
import { EXIT } from '../config/constants.js';
import { child, type Logger } from '../log/logger.js';
import { createChildRegistry } from '../supervisor/child-registry.js';
import { keepProcess } from '../supervisor/kept-process.js';
import { runLocalOperator, type OperatorLoopOptions } from './operator-loop.js';
import { instanceArgv, multiHostConninfo, planInstances, type LocalClusterInput } from './plan.js';
import { probeInstance } from './probe.js';

export interface UpOptions {
  input: LocalClusterInput;
  failoverDelayMs: number;
  /** node and the script to run `instance run` with (this process's own). */
  node: string;
  script: readonly string[];
  root: Logger;
  /** Each line a manager printed (default: our stdout). */
  write?: (line: string) => void;
  /** With failoverQuorum: the primary's synchronous standbys for a status (operator-loop.ts). */
  quorum?: OperatorLoopOptions['quorum'];
}

/** Runs the local cluster until `stop` aborts; resolves once every manager has exited. */
export async function localClusterUp(o: UpOptions, stop: AbortSignal): Promise<void> {
  const log = child(o.root, 'local-cluster');
  const instances = planInstances(o.input);
  const registry = createChildRegistry();
  const write = o.write ?? ((line: string) => void process.stdout.write(`${line}\n`));
  const keep = (i: (typeof instances)[number]): Promise<void> =>
    keepProcess(
      {
        name: i.name,
        file: o.node,
        args: [...o.script, ...instanceArgv(o.input, i)],
        registry,
        onLine: write,
        onStart: (pid) => log.info({ instance: i.name, pid, port: i.port, statusPort: i.statusPort }, 'instance manager started'),
        onExit: (exit, restartInMs) =>
          restartInMs === undefined
            ? log.info({ instance: i.name, ...exit }, 'instance manager stopped')
            : log.warn({ instance: i.name, ...exit, restartInMs }, exit.exitCode === EXIT.parts.role ? 'instance manager ended to change role: restarting it' : 'instance manager exited unexpectedly: restarting it'),
        restartAtOnce: [EXIT.parts.role],
        // A crashed primary's manager comes back no sooner than a failover can begin (one operator tick).
        minRestartMs: 1000,
      },
      stop,
    );
  const running = [keep(instances[0] as (typeof instances)[number])];
  const operator = runLocalOperator({ clusterName: o.input.clusterName, instances, statusFile: o.input.statusFile, failoverDelayMs: o.failoverDelayMs, log, ...(o.quorum ? { quorum: o.quorum } : {}) }, stop);
  // The others clone from the first: start them once it serves.
  for (;;) {
    if (stop.aborted) break;
    const first = await probeInstance(instances[0]?.name ?? '', instances[0]?.statusPort ?? 0);
    if (first.isPrimary === true && first.isPodReady === true) break;
    await sleep(300, undefined, { signal: stop }).catch(() => undefined);
  }
  if (!stop.aborted) {
    for (const i of instances.slice(1)) running.push(keep(i));
    log.info({ conninfo: multiHostConninfo(instances), instances: instances.map((i) => `${i.name}:${i.port}`) }, 'local cluster started: connect with libpq multi-host');
  }
  await Promise.all([...running, operator]);
  log.info('local cluster stopped');
}
