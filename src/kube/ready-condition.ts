// CNPG's Ready condition, set with every phase under the same resourceVersion lock (CNPG
// pkg/resources/status, SetClusterReadyCondition): True only in the healthy phase.
import { PHASES } from '../model/phases.js';
import type { StatusCondition } from './permissions-condition.js';

export const READY_CONDITION = 'Ready';

/** The Ready condition for `phase`. */
export function readyCondition(phase: unknown): Omit<StatusCondition, 'lastTransitionTime'> {
  return phase === PHASES.healthy
    ? { type: READY_CONDITION, status: 'True', reason: 'ClusterIsReady', message: 'Cluster is Ready' }
    : { type: READY_CONDITION, status: 'False', reason: 'ClusterIsNotReady', message: 'Cluster Is Not Ready' };
}
