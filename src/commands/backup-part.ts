// The backup part of `instance run`: the local backup channel (backup/backup-socket.ts) over one BackupRunner,
// and the retention timer. In the embedded default the part also plays the operator's share of a backup
// (CNPG backup_controller.go SetAsStarted: phase `started`, instanceID) and keeps the Backup files, and takes
// volume-snapshot Backups itself (snapshot-backup-wiring.ts).
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { EXIT } from '../config/constants.js';
import { describeError } from '../errors.js';
import { child, type Logger } from '../log/logger.js';
import type { Cluster } from '../spec/cluster.js';
import { isDone } from '../barman/barman-catalog.js';
import { credentialEnv } from '../barman/barman-run.js';
import { clusterObjectStore } from '../barman/object-store.js';
import { BackupFiles, type BackupObjects } from '../backup/backup-objects.js';
import { BackupRunner } from '../backup/backup-runner.js';
import { BACKUP_SOCKET, serveBackupSocket } from '../backup/backup-socket.js';
import { listBackups, maintainCatalog } from '../backup/maintenance.js';
import { StoreCatalog, type CatalogReader } from '../backup/store-catalog.js';
import { StoreCache } from '../wal/store-cache.js';
import type { Held } from '../supervisor/postmaster-hold.js';
import type { BackupRequestOptions } from '../backup/backup-request-spec.js';
import type { Part } from './part-group.js';
import { dispatchBackup, snapshotRunner } from './snapshot-backup-wiring.js';
import type { Prepared } from './prepare.js';

/** How often retention runs without a backup (the Barman Cloud plugin's default retentionPolicyIntervalSeconds). */
export const RETENTION_INTERVAL_MS = 30 * 60_000;

function backupObjects(p: Prepared): BackupObjects & { local?: BackupFiles } {
  const source = p.source as Partial<{ patchBackupStatus: (name: string, patch: Record<string, unknown>) => Promise<void> }>;
  if (p.config.statusFile) {
    const files = new BackupFiles(join(dirname(p.config.statusFile), 'backups'), p.cluster.name);
    return { patch: (name, patch) => files.patch(name, patch), local: files };
  }
  if (typeof source.patchBackupStatus === 'function') return { patch: (name, patch) => source.patchBackupStatus?.(name, patch) ?? Promise.resolve() };
  throw new Error('this spec source cannot write Backup status');
}

/** The backup channel and the retention timer; ready once the socket listens. */
export function backupPart(p: Prepared, cluster: () => Cluster, hold?: () => Promise<Held | undefined>, retentionEveryMs = RETENTION_INTERVAL_MS): Part {
  return {
    name: 'backups',
    stopOrder: 0,
    exitCode: EXIT.parts.backups,
    async start(signal, ready) {
      const log = child(p.root, 'backup');
      const objects = backupObjects(p);
      const patchCluster = (patch: Record<string, unknown>): Promise<void> => p.source.patchStatus(patch);
      // barman's catalog read in-process (backup.info files), with the WAL archiver's client code.
      const stores = new StoreCache(p.source, p.config.controller.run);
      const catalog = new StoreCatalog(stores);
      const common = { cluster, getSecret: (n: string) => p.source.getSecret(n), registry: p.registry, patchCluster, times: p.state.backups, log, signal, caDir: p.config.controller.run, catalog };
      // One upkeep at a time: the timer's and the one after a backup never run two barman-cloud-backup-delete at once.
      let upkeep: Promise<unknown> = Promise.resolve();
      const maintain = (): Promise<unknown> => (upkeep = upkeep.then(() => maintainCatalog(common), () => maintainCatalog(common)));
      const runner = new BackupRunner({
        ...common,
        socketDir: p.config.controller.run,
        port: p.config.port,
        podName: p.state.podName,
        withDb: async (fn) => (await p.db.load()).withClient(p.db.target, fn),
        objects,
        afterBackup: async () => void (await maintain()),
      });
      const snapshots = snapshotRunner(p, cluster, objects.local, patchCluster, hold, log, signal);
      const endpoints = {
        start: (name: string, options: BackupRequestOptions) => dispatchBackup({ p, cluster, barman: runner, snapshots, local: objects.local }, name, options),
        list: () => listCatalog(p, cluster(), { catalog, log, signal }),
      };
      const { closed } = await serveBackupSocket(join(p.config.controller.run, BACKUP_SOCKET), endpoints, log, signal);
      ready();
      // Retention on a timer, whether or not backups are taken or succeed (cloudnative-pg#4170).
      const timer = (async () => {
        while (!signal.aborted) {
          await maintain().catch((err: unknown) => log.warn({ err: describeError(err) }, 'backup maintenance failed'));
          await sleep(retentionEveryMs, undefined, { signal }).catch(() => undefined);
        }
      })();
      await closed;
      await timer;
      await runner.idle();
      await snapshots?.idle();
      await stores.close();
    },
  };
}

/** barman's catalog, newest last, with the recoverability window (first point .. now, while archiving works). */
async function listCatalog(p: Prepared, cluster: Cluster, o: { catalog: CatalogReader; log: Logger; signal: AbortSignal }): Promise<unknown> {
  const store = clusterObjectStore(cluster);
  if (!store) throw new Error('spec.backup.barmanObjectStore is not set');
  const env = (): Promise<Record<string, string | undefined>> => credentialEnv(store, (n) => p.source.getSecret(n), p.config.controller.run);
  const backups = await listBackups({ ...o, registry: p.registry }, cluster, store, env);
  const done = backups.filter(isDone);
  return {
    destinationPath: store.destinationPath,
    serverName: store.serverName,
    firstRecoverabilityPoint: done[0]?.endTime?.toISOString(),
    backups: backups.map((b) => ({ ...b, beginTime: b.beginTime?.toISOString(), endTime: b.endTime?.toISOString() })),
  };
}
