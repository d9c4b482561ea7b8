// Which replication slots to create, advance and drop, as CNPG decides it
// (internal/management/controller/slots/reconciler/replicationslot.go for the primary, .../runner/runner.go
// for the replicas). Pure: slot lists in, actions out.
import { parseLsn } from '../model/lsn.js';
import { slotNameForInstance } from '../pgfiles/replica-conf.js';
import type { SlotState } from '../db/replication-slots.js';

export interface SlotSettings {
  haEnabled: boolean;
  prefix: string;
  /** replicationSlots.synchronizeReplicas.enabled: user slots of the primary are copied too. */
  synchronizeUserSlots: boolean;
}

export interface SlotActions {
  create: string[];
  advance: { name: string; lsn: string }[];
  drop: string[];
  /** Slots to drop that are still in use, left for the next round. */
  busy: string[];
}

const empty = (): SlotActions => ({ create: [], advance: [], drop: [], busy: [] });

/** `X/Y` hex -> a comparable number; -1 when malformed (below every LSN). */
export function lsnValue(lsn: string): bigint {
  return parseLsn(lsn) ?? -1n;
}

function dropOrWait(actions: SlotActions, slot: SlotState): void {
  (slot.active ? actions.busy : actions.drop).push(slot.name);
}

/** On the primary: an HA slot per other instance of status.instanceNames, stale HA slots dropped (never active ones). */
export function planPrimarySlots(s: SlotSettings, podName: string, instanceNames: readonly string[], slots: readonly SlotState[]): SlotActions {
  const actions = empty();
  const ha = slots.filter((slot) => slot.name.startsWith(s.prefix));
  if (!s.haEnabled) {
    ha.forEach((slot) => dropOrWait(actions, slot));
    return actions;
  }
  const expected = new Set(instanceNames.filter((n) => n !== podName).map((n) => slotNameForInstance(n, s.prefix)));
  const have = new Set(slots.map((slot) => slot.name));
  actions.create = [...expected].filter((name) => !have.has(name)).sort();
  for (const slot of ha) if (!expected.has(slot.name)) dropOrWait(actions, slot);
  return actions;
}

/**
 * On a replica: the primary's slots copied and advanced to the primary's restart_lsn, so a promoted replica
 * keeps the WAL its peers still need. Local slots the primary no longer has, our own name, and copies that
 * hold xmin (left from a time this instance was primary) are dropped.
 */
export function planReplicaSlots(s: SlotSettings, podName: string, local: readonly SlotState[], primary: readonly SlotState[]): SlotActions {
  const actions = empty();
  const own = slotNameForInstance(podName, s.prefix);
  const isHa = (name: string): boolean => name.startsWith(s.prefix);
  const wanted = new Map<string, string>();
  for (const slot of primary) {
    if (slot.name === own) continue;
    if (isHa(slot.name) ? !s.haEnabled || slot.restartLsn === '' : !s.synchronizeUserSlots) continue;
    wanted.set(slot.name, slot.restartLsn);
  }
  const localByName = new Map(local.map((slot) => [slot.name, slot]));
  for (const [name, lsn] of wanted) {
    const mine = localByName.get(name);
    if (mine === undefined) actions.create.push(name);
    if (lsn !== '' && (mine === undefined || lsnValue(lsn) > lsnValue(mine.restartLsn))) actions.advance.push({ name, lsn });
  }
  for (const slot of local) {
    const considered = isHa(slot.name) || s.synchronizeUserSlots;
    if (!considered) continue;
    if (slot.name === own || slot.holdsXmin || !wanted.has(slot.name)) dropOrWait(actions, slot);
  }
  return actions;
}
