// The Cluster condition LastBackupSucceeded as CNPG sets it (pkg/management/postgres/backup.go, reasons from
// api/v1 cluster_conditions.go): False/BackupStarted while a backup runs, True/LastBackupSucceeded after one
// completed, False/LastBackupFailed with the error after one failed.
import { upsertCondition } from '../kube/permissions-condition.js';
import type { Cluster } from '../spec/cluster.js';

export const LAST_BACKUP_CONDITION = 'LastBackupSucceeded';

const CONDITIONS = {
  started: { status: 'False', reason: 'BackupStarted', message: 'New Backup starting up' },
  succeeded: { status: 'True', reason: 'LastBackupSucceeded', message: 'Backup was successful' },
  failed: { status: 'False', reason: 'LastBackupFailed', message: '' },
} as const;

/** The Cluster's conditions with LastBackupSucceeded upserted; undefined when nothing changes. */
export function backupCondition(kind: keyof typeof CONDITIONS, message?: string): (cluster: Cluster) => Record<string, unknown>[] | undefined {
  // eslint-disable-next-line security/detect-object-injection -- kind is a literal key
  const c = CONDITIONS[kind];
  return (cluster) => upsertCondition({ status: cluster.status }, { type: LAST_BACKUP_CONDITION, status: c.status, reason: c.reason, message: message ?? c.message }, new Date());
}
