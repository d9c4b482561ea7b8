// barman's catalog read with the manager's in-process object store client (wal/store-cache.ts) instead of a
// Python process: one listing of `<path>/<server>/base/` (a folder per backup ID) and the backup.info files
// under it (barman/backup-info.ts), the same reads barman-cloud-backup-show and -backup-list make
// (barman/cloud.py CloudBackupCatalog.get_backup_list). Undefined wherever the in-process client cannot go
// (Azure with DefaultAzureCredential, or a private CA behind a proxy): the caller runs barman's tool then.
import { BACKUP_ID, backupInfoKey, backupsFolder, parseBackupInfo } from '../barman/backup-info.js';
import type { CatalogBackup } from '../barman/barman-catalog.js';
import type { Cluster } from '../spec/cluster.js';
import type { StoreCache } from '../wal/store-cache.js';
import type { ObjectStore } from '../wal/store-client.js';
import { StoreError } from '../wal/store-client.js';

/** The catalog reads of the backup runner and the catalog upkeep. */
export interface CatalogReader {
  /**
   * The newest backup named `backupName` (barman-cloud-backup --name); undefined when the store is not read
   * in-process; throws when the name is not among the newest backups, or the store fails.
   */
  findByName(cluster: Cluster, backupName: string): Promise<CatalogBackup | undefined>;
  /** Every backup, sorted by end time (oldest first), or undefined when the in-process client cannot read the store. */
  list(cluster: Cluster): Promise<CatalogBackup[] | undefined>;
}

// The backup just taken is the newest folder unless another writer shares the server name: a few are read.
const NEWEST_READ = 3;
// backup.info files read at once while listing the whole catalog.
const PARALLEL_READS = 8;

interface Located {
  client: ObjectStore;
  prefix: string;
  serverName: string;
}

/** The catalog through a StoreCache's client. */
export class StoreCatalog implements CatalogReader {
  constructor(private readonly stores: Pick<StoreCache, 'get'>) {}

  async #locate(cluster: Cluster): Promise<Located | undefined> {
    const active = await this.stores.get(cluster);
    if (!active?.client) return undefined;
    return { client: active.client, prefix: active.settings.prefix, serverName: active.settings.serverName };
  }

  async #ids(at: Located): Promise<string[]> {
    return (await at.client.listFolders(backupsFolder(at.prefix, at.serverName))).filter((id) => BACKUP_ID.test(id)).sort();
  }

  // A folder without backup.info is a backup still being uploaded, or one barman could not finish: barman
  // skips it too (get_backup_list logs "Unable to open backup.info file").
  async #read(at: Located, id: string): Promise<CatalogBackup | undefined> {
    try {
      return parseBackupInfo((await at.client.get(backupInfoKey(at.prefix, at.serverName, id))).toString('utf8'), id);
    } catch (err) {
      if (err instanceof StoreError && err.kind === 'not-found') return undefined;
      throw err;
    }
  }

  async findByName(cluster: Cluster, backupName: string): Promise<CatalogBackup | undefined> {
    const at = await this.#locate(cluster);
    if (!at) return undefined;
    for (const id of (await this.#ids(at)).reverse().slice(0, NEWEST_READ)) {
      const backup = await this.#read(at, id);
      if (backup?.backupName === backupName) return backup;
    }
    throw new Error(`no backup.info named ${backupName} among the newest ${NEWEST_READ} backups under ${backupsFolder(at.prefix, at.serverName)}`);
  }

  async list(cluster: Cluster): Promise<CatalogBackup[] | undefined> {
    const at = await this.#locate(cluster);
    if (!at) return undefined;
    const ids = await this.#ids(at);
    const found: CatalogBackup[] = [];
    for (let i = 0; i < ids.length; i += PARALLEL_READS) {
      const batch = await Promise.all(ids.slice(i, i + PARALLEL_READS).map((id) => this.#read(at, id)));
      for (const b of batch) if (b) found.push(b);
    }
    return found.sort((a, b) => (a.endTime?.getTime() ?? 0) - (b.endTime?.getTime() ?? 0));
  }
}
