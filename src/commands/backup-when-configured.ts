// Starts the backup part once the Cluster has an object store: at start-up, or later when a live edit adds
// spec.backup.barmanObjectStore (CNPG's local webserver serves /pg/backup whatever the spec, and refuses a
// backup when no store is set; here the channel appears with the store). archive_mode only changes with a
// postgres restart (https://www.postgresql.org/docs/15/runtime-config-wal.html#GUC-ARCHIVE-MODE): the
// reconcile reports it as a pending restart, and this says so once in the log.
import { clusterObjectStore } from '../barman/object-store.js';
import type { Logger } from '../log/logger.js';
import type { Cluster } from '../spec/cluster.js';
import type { Part } from './part-group.js';

export interface BackupStarterOptions {
  /** PartGroup.start: resolves once the part is ready (false when the group ended). */
  start: (part: Part) => Promise<boolean>;
  part: () => Part;
  log: Logger;
}

/** Offers each Cluster version; the backup part starts at the first one with an object store. */
export class BackupStarter {
  readonly #o: BackupStarterOptions;
  #started: Promise<boolean> | undefined;

  constructor(options: BackupStarterOptions) {
    this.#o = options;
  }

  /** `live`: the Cluster came from a change while running (not the start-up one). */
  async offer(cluster: Cluster, live: boolean): Promise<void> {
    // spec.backup.volumeSnapshot alone opens the channel too: `backup NAME` takes volume-snapshot Backups.
    const store = clusterObjectStore(cluster);
    if (this.#started || (!store && !cluster.spec.backup?.volumeSnapshot)) return;
    this.#started = this.#o.start(this.#o.part());
    await this.#started;
    if (live && store) {
      this.#o.log.warn(
        { setting: 'archive_mode' },
        'spec.backup.barmanObjectStore was added: backups can be requested now; WAL archiving starts once postgres is restarted (archive_mode needs a restart, the Cluster status shows it pending)',
      );
    }
  }
}
