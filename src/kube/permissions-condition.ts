// The excess-permissions finding as a status condition on our Cluster (beyond CNPG, which has no such
// condition): type InstanceManagerExcessPermissions, True with the grants when the ServiceAccount holds more
// than the manager needs, turned False once the Role is narrowed. status.conditions is a list, and a JSON
// merge patch replaces lists whole, so the full list is sent with ours upserted and every other kept as read.
import { describeError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { isoTime } from '../log/iso-time.js';
import type { KubeObject } from './kube-api.js';
import type { StatusWriter } from './status-writer.js';

export const EXCESS_PERMISSIONS_CONDITION = 'InstanceManagerExcessPermissions';

/** A metav1.Condition. */
export interface StatusCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

function conditionsOf(obj: KubeObject): Record<string, unknown>[] {
  const status = obj.status;
  if (typeof status !== 'object' || status === null) return [];
  const list = (status as { conditions?: unknown }).conditions;
  return Array.isArray(list) ? list.filter((c): c is Record<string, unknown> => typeof c === 'object' && c !== null) : [];
}

/**
 * The full conditions list with `wanted` upserted (lastTransitionTime kept when the status did not change),
 * or undefined when nothing would change. With `onlyIfPresent`, an absent condition is not added.
 */
export function upsertCondition(obj: KubeObject, wanted: Omit<StatusCondition, 'lastTransitionTime'>, now: Date, onlyIfPresent = false): Record<string, unknown>[] | undefined {
  const list = conditionsOf(obj);
  const index = list.findIndex((c) => c.type === wanted.type);
  const old = index >= 0 ? list.at(index) : undefined;
  if (!old && onlyIfPresent) return undefined;
  if (old && old.status === wanted.status && old.reason === wanted.reason && old.message === wanted.message) return undefined;
  const since = old && old.status === wanted.status && typeof old.lastTransitionTime === 'string' ? old.lastTransitionTime : isoTime(now.getTime()).replace(/\.\d{3}Z$/, 'Z');
  const next = { ...wanted, lastTransitionTime: since };
  return index >= 0 ? list.map((c, i) => (i === index ? next : c)) : [...list, next];
}

/** The condition for a permission check result: True with the grants, or False (only turned, never added). */
export function excessPermissionsCondition(excess: readonly string[], generation?: number): { condition: Omit<StatusCondition, 'lastTransitionTime'>; onlyIfPresent: boolean } {
  const gen = generation === undefined ? {} : { observedGeneration: generation };
  if (excess.length > 0) {
    return {
      condition: {
        type: EXCESS_PERMISSIONS_CONDITION,
        status: 'True',
        reason: 'ExcessPermissions',
        message: `the ServiceAccount holds more than the instance manager needs: ${excess.join('; ')}; narrow its Role to the output of \`pg-instance-manager rbac\``,
        ...gen,
      },
      onlyIfPresent: false,
    };
  }
  return {
    condition: { type: EXCESS_PERMISSIONS_CONDITION, status: 'False', reason: 'PermissionsMatch', message: 'the ServiceAccount holds only what the instance manager needs', ...gen },
    onlyIfPresent: true,
  };
}

/** Writes the condition (resourceVersion precondition, rebuilt on 409); a failure is logged, never fatal. */
export async function reportExcessPermissions(writer: StatusWriter, cached: KubeObject | undefined, excess: readonly string[], log: Logger, now: () => Date = () => new Date()): Promise<void> {
  const generation = (cached?.metadata as { generation?: unknown } | undefined)?.generation;
  const { condition, onlyIfPresent } = excessPermissionsCondition(excess, typeof generation === 'number' ? generation : undefined);
  try {
    await writer.patchComputed((current) => {
      const conditions = upsertCondition(current, condition, now(), onlyIfPresent);
      return conditions ? { conditions } : undefined;
    }, cached);
  } catch (err) {
    log.warn({ err: describeError(err), condition: condition.type }, 'could not set the status condition');
  }
}
