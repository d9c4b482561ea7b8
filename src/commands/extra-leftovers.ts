// The temporary WAL and tablespace folders of an interrupted bootstrap (bootstrap/extra-folders.ts), swept at
// start-up as PGDATA's own are: nothing in them was ever in use.
import type { Config } from '../config/config.js';
import type { Logger } from '../log/logger.js';
import type { Cluster } from '../spec/cluster.js';
import { removeInitdbLeftovers } from '../bootstrap/initdb-leftovers.js';
import { tablespaceLocation } from '../bootstrap/extra-folders.js';

/** Removes the leftovers beside the WAL folder and each tablespace folder of the spec. */
export async function removeExtraLeftovers(config: Config, cluster: Cluster, log: Logger): Promise<void> {
  await removeInitdbLeftovers(config.pgWal, log);
  for (const t of cluster.spec.tablespaces ?? []) await removeInitdbLeftovers(tablespaceLocation(config.tablespacesDir, t.name), log);
}
