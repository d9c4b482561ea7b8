// CNPG's backup metrics (pkg/management/postgres/webserver/metricserver/pg_collector.go: firstRecoverabilityPoint,
// lastAvailableBackupTimestamp, lastFailedBackupTimestamp), read at scrape time from the times the backup part
// keeps in InstanceState (the catalog after each backup and on the retention timer). Unix seconds; 0 = none yet.
import { Gauge, type Registry } from 'prom-client';
import type { BackupTimes } from '../model/instance-state.js';

const FAMILIES: [string, keyof BackupTimes, string][] = [
  ['cnpg_collector_first_recoverability_point', 'firstRecoverabilityPoint', 'The first point of recoverability for the cluster as a unix timestamp'],
  ['cnpg_collector_last_available_backup_timestamp', 'lastAvailableBackup', 'The last available backup as a unix timestamp'],
  ['cnpg_collector_last_failed_backup_timestamp', 'lastFailedBackup', 'The last failed backup as a unix timestamp'],
];

/** Registers the three gauges in `registry`, each reading `times` when scraped. */
export function registerBackupMetrics(registry: Registry, times: BackupTimes): void {
  for (const [name, field, help] of FAMILIES) {
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        // eslint-disable-next-line security/detect-object-injection -- field is a literal key of BackupTimes
        const ms = times[field];
        this.set(ms === undefined ? 0 : Math.floor(ms / 1000));
      },
    });
  }
}
