// spec.replicationSlots.highAvailability.synchronizeLogicalDecoding: logical replication slots follow the primary
// onto its standbys, so a subscriber survives a failover. CNPG's rules (internal/webhook/v1/cluster_webhook.go
// validateSynchronizeLogicalDecoding): PostgreSQL 17+ with hot_standby_feedback and sync_replication_slots on, the
// instance manager then listing the standbys' HA slots in synchronized_standby_slots
// (pkg/management/postgres/configuration.go); before 17, the pg_failover_slots extension instead, which is not
// built here, so an older (or unnamed) version is refused naming what is needed.
import { ManifestError } from '../errors.js';
import type { ClusterSpec } from './cluster.js';

const FIELD = 'spec.replicationSlots.highAvailability.synchronizeLogicalDecoding';

// PostgreSQL's boolean spellings (src/backend/utils/misc/guc.c parse_bool): any unique prefix of on/true/yes, 1.
function isOn(value: string | undefined): boolean {
  const v = (value ?? '').trim().toLowerCase();
  return v === '1' || v === 'on' || (v.length > 0 && ('true'.startsWith(v) || 'yes'.startsWith(v)));
}

/** Refuses synchronizeLogicalDecoding where it cannot hold; `major` is the one imageName or imageCatalogRef names. */
export function checkSynchronizeLogicalDecoding(spec: ClusterSpec, major: number | undefined): void {
  const ha = spec.replicationSlots.highAvailability;
  if (!ha.synchronizeLogicalDecoding) return;
  if (major === undefined || major < 17) {
    const which = major === undefined ? 'no version is named (set imageName to a PostgreSQL 17+ image, or imageCatalogRef.major)' : `imageName names PostgreSQL ${major}`;
    throw new ManifestError(FIELD, `needs PostgreSQL 17 or later (sync_replication_slots, synchronized_standby_slots): ${which}; before 17 CloudNativePG uses the pg_failover_slots extension, which is not supported here`);
  }
  for (const name of ['hot_standby_feedback', 'sync_replication_slots']) {
    // eslint-disable-next-line security/detect-object-injection -- one of two literal parameter names
    if (!isOn(spec.postgresql.parameters[name])) throw new ManifestError(`spec.postgresql.parameters.${name}`, `must be on to use ${FIELD}`);
  }
}

/** synchronized_standby_slots for this instance: the HA slots of the other instances (CNPG configuration.go). */
export function synchronizedStandbySlots(spec: ClusterSpec, pgMajor: number, others: readonly string[], slotName: (instance: string) => string): string | undefined {
  const ha = spec.replicationSlots.highAvailability;
  // A PostgreSQL older than 17 would refuse the unknown setting: the load-time check names the version needed.
  if (!ha.enabled || !ha.synchronizeLogicalDecoding || pgMajor < 17 || others.length === 0) return undefined;
  return others.map(slotName).join(',');
}
