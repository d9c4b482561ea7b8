// Every check, and the ones a sample's fields call for. The PostgreSQL major a sample's image pins is reported
// (only PostgreSQL 15 binaries are here); the check list is what "in force" means for the samples' fields.
import { parametersCheck, pgHbaCheck, synchronousCheck } from './checks-postgresql.js';
import { initdbCheck, postInitSqlCheck, superuserCheck } from './checks-initdb.js';
import { archiveCheck, cloneCheck, importCheck, recoveryCheck, replicaCheck, snapshotRecoveryCheck } from './checks-data.js';
import { tablespacesCheck, walStorageCheck } from './checks-volumes.js';
import { snapshotBackupCheck } from './checks-snapshot-backup.js';
import { certificatesCheck, managedRolesCheck, monitoringCheck, probesCheck } from './checks-access.js';
import { usesAny } from './field-coverage.js';
import { sql } from './sample-sql.js';
import type { SampleCheck } from './sample-check.js';

const imageCheck: SampleCheck = {
  name: 'image',
  covers: ['spec.imageName', 'spec.imageCatalogRef'],
  async run(r) {
    const major = Math.floor(Number(await sql(r.sql, 'postgres', 'SHOW server_version_num')) / 10000);
    const pinned = r.sample.verdict.accepted ? r.sample.verdict.postgresMajor : undefined;
    if (pinned === undefined || pinned === major) return [`PostgreSQL ${major}`];
    return [`pinned to PostgreSQL ${pinned}, ran on ${major} (the loader accepted it)`];
  },
};

export const ALL_CHECKS: readonly SampleCheck[] = [
  imageCheck, parametersCheck, pgHbaCheck, synchronousCheck, initdbCheck, postInitSqlCheck, superuserCheck,
  recoveryCheck, snapshotRecoveryCheck, cloneCheck, replicaCheck, importCheck, archiveCheck, walStorageCheck, tablespacesCheck,
  certificatesCheck, managedRolesCheck, probesCheck, monitoringCheck, snapshotBackupCheck,
];

/** The checks whose fields `spec` uses. */
export function checksFor(spec: unknown): SampleCheck[] {
  return ALL_CHECKS.filter((c) => usesAny(spec, c.covers));
}
