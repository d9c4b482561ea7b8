// The local operator running beside the instance managers: every tick it reads the status file, asks each
// instance's /pg/status, and applies operatorStep's patch under the status file's lock. The primary counts as
// unreachable from the first tick its /pg/status did not answer; failoverDelay runs from there.
import { setTimeout as sleep } from 'node:timers/promises';
import { describeError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { parseStatusText, readStatusText } from '../source/status-file.js';
import { patchStatusFile } from '../source/status-lock.js';
import { operatorStep, type QuorumRecord } from './operator-rules.js';
import type { LocalInstance } from './plan.js';
import { probeInstance } from './probe.js';

export interface OperatorLoopOptions {
  clusterName: string;
  instances: readonly LocalInstance[];
  statusFile: string;
  failoverDelayMs: number;
  log: Logger;
  tickMs?: number;
  /**
   * With failoverQuorum: the synchronous standbys the primary waits for given the status as read (the
   * synchronous_standby_names it renders from the same Cluster, synchronous-standby.ts), recorded every tick the
   * primary answers. CNPG's primary writes its loaded setting into a FailoverQuorum object instead.
   */
  quorum?: (status: Record<string, unknown>) => QuorumRecord | undefined;
}

/** Runs until `signal` aborts. */
export async function runLocalOperator(o: OperatorLoopOptions, signal: AbortSignal): Promise<void> {
  const names = o.instances.map((i) => i.name);
  let downSince: number | undefined;
  let downName: string | undefined;
  let said = '';
  let quorum: QuorumRecord | null = null;
  while (!signal.aborted) {
    try {
      const status = parseStatusText(await readStatusText(o.statusFile), o.statusFile);
      const reports = await Promise.all(o.instances.map((i) => probeInstance(i.name, i.statusPort)));
      const current = typeof status.currentPrimary === 'string' ? status.currentPrimary : undefined;
      const primary = reports.find((r) => r.name === current);
      if (primary && !primary.reachable) {
        if (downName !== current) downSince = Date.now();
        downName = current;
      } else {
        downSince = undefined;
        downName = undefined;
        // Recorded only while the primary answers: once it is gone, the last record is what its commits waited for.
        if (o.quorum && primary?.isPrimary === true) quorum = o.quorum(status) ?? { standbyNames: [], standbyNumber: 0 };
      }
      const facts = { clusterName: o.clusterName, instanceNames: names, status, reports, primaryDownSince: downSince, failoverDelayMs: o.failoverDelayMs, now: Date.now() };
      const step = operatorStep(o.quorum ? { ...facts, quorum } : facts);
      if (step.patch) {
        await patchStatusFile(o.statusFile, step.patch);
        o.log.info({ patch: step.patch }, step.message ?? 'status patched');
        said = '';
      } else if (step.waiting && step.waiting !== said) {
        o.log.info(step.waiting);
        said = step.waiting;
      }
    } catch (err) {
      if (signal.aborted) return;
      o.log.error({ err: describeError(err) }, 'local operator: step failed');
    }
    await sleep(o.tickMs ?? 250, undefined, { signal }).catch(() => undefined);
  }
}
