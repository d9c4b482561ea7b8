// The catalog upkeep (CNPG pkg/management/postgres/backup.go, after every backup): retention with
// barman-cloud-backup-delete, then the catalog's recoverability window into the Cluster status
// (firstRecoverabilityPoint = end of the oldest done backup, lastSuccessfulBackup = end of the newest) and
// the metrics. CNPG runs retention only after a backup, so a cluster whose backups fail, or that takes none,
// keeps every old backup forever (cloudnative-pg#4170): here it also runs on a timer (retentionPart).
import { describeError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { Cluster } from '../spec/cluster.js';
import type { ChildRegistry } from '../supervisor/child-registry.js';
import { backupDeleteArgs, backupListArgs } from '../barman/barman-argv.js';
import { isDone, parseBackupList, type CatalogBackup } from '../barman/barman-catalog.js';
import { credentialEnv, runBarman, type SecretReader } from '../barman/barman-run.js';
import { clusterObjectStore, retentionPolicy, type ObjectStore } from '../barman/object-store.js';
import type { StatusPatch } from '../model/objects.js';
import type { BackupTimes } from '../model/instance-state.js';
import type { CatalogReader } from './store-catalog.js';

export interface MaintenanceDeps {
  cluster: () => Cluster;
  getSecret: SecretReader;
  registry: ChildRegistry;
  patchCluster: (patch: StatusPatch) => Promise<void>;
  /** Where the metrics read the catalog's times. */
  times: BackupTimes;
  log: Logger;
  signal: AbortSignal;
  /** Where endpointCA's PEM is written for the tools (the run folder). */
  caDir: string;
  /** Lists the catalog in-process; without it (or where it cannot) barman-cloud-backup-list does. */
  catalog?: CatalogReader;
}

/**
 * The whole catalog, oldest first: in-process where the store client can read it, else (or when that fails)
 * with barman-cloud-backup-list and the tool environment `env()`.
 */
export async function listBackups(d: Pick<MaintenanceDeps, 'catalog' | 'registry' | 'signal' | 'log'>, cluster: Cluster, store: ObjectStore, env: () => Promise<Record<string, string | undefined>>): Promise<CatalogBackup[]> {
  try {
    const listed = await d.catalog?.list(cluster);
    if (listed) return listed;
  } catch (err) {
    d.log.warn({ err: describeError(err) }, 'could not list the backups in-process: asking barman-cloud-backup-list');
  }
  return parseBackupList(await runBarman('barman-cloud-backup-list', backupListArgs(store), { registry: d.registry, env: await env(), signal: d.signal, timeoutMs: 600_000 }));
}

/** Retention, then the recoverability window; every failure is logged (a warning), never thrown. */
export async function maintainCatalog(d: MaintenanceDeps): Promise<CatalogBackup[] | undefined> {
  const cluster = d.cluster();
  let store;
  let policy;
  try {
    store = clusterObjectStore(cluster);
    policy = retentionPolicy(cluster);
  } catch (err) {
    d.log.warn({ err: describeError(err) }, 'backup maintenance skipped: the object store settings are invalid');
    return undefined;
  }
  if (!store) return undefined;
  let env;
  try {
    env = await credentialEnv(store, d.getSecret, d.caDir);
  } catch (err) {
    d.log.warn({ err: describeError(err) }, 'backup maintenance skipped');
    return undefined;
  }
  const run = { registry: d.registry, env, signal: d.signal, timeoutMs: 600_000 };
  if (policy) {
    try {
      await runBarman('barman-cloud-backup-delete', backupDeleteArgs(store, policy), run);
      d.log.info({ retentionPolicy: policy }, 'retention policy applied');
    } catch (err) {
      // CNPG: a Warning event RetentionPolicyFailed, not fatal.
      d.log.warn({ err: describeError(err), retentionPolicy: policy }, 'retention policy failed');
    }
  }
  try {
    const backups = (await listBackups(d, cluster, store, () => Promise.resolve(env))).filter(isDone);
    const first = backups[0]?.endTime;
    const last = backups[backups.length - 1]?.endTime;
    d.times.firstRecoverabilityPoint = first?.getTime();
    d.times.lastAvailableBackup = last?.getTime();
    await d.patchCluster({ firstRecoverabilityPoint: first?.toISOString() ?? null, lastSuccessfulBackup: last?.toISOString() ?? null });
    return backups;
  } catch (err) {
    d.log.warn({ err: describeError(err) }, 'could not read the backup catalog');
    return undefined;
  }
}
