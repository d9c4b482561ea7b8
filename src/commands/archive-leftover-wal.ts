// The former primary's `.ready` WAL files archived before its rewind (src/replication/archive-ready-wal.ts),
// through an archiver of its own: the WAL channel's archiver serves PostgreSQL and refuses to archive on an
// instance that is not currentPrimary, which is right for archive_command and wrong for this leftover WAL.
// Loaded only by a former primary with an object store.
import { join } from 'node:path';
import type { Logger } from '../log/logger.js';
import { archiveReadyWal } from '../replication/archive-ready-wal.js';
import type { Cluster } from '../spec/cluster.js';
import { ArchivingCondition } from '../wal/archiving-condition.js';
import { StoreCache } from '../wal/store-cache.js';
import { WalArchiver } from '../wal/wal-archiver.js';
import type { Prepared } from './prepare.js';

/** Archives every `.ready` WAL file of PGDATA into `cluster`'s object store; returns how many. */
export async function archiveLeftoverWal(p: Prepared, cluster: Cluster, log: Logger): Promise<number> {
  const { config } = p;
  // The run folder holds the endpointCA file barman's tools are given (bzip2, Azure AD), as for archive_command.
  const stores = new StoreCache(p.source, config.controller.run);
  try {
    const archiver = new WalArchiver({
      pgData: config.pgData,
      spoolDir: join(config.controller.root, 'wal-archive-spool'),
      podName: p.state.podName,
      cluster: () => cluster,
      stores,
      condition: new ArchivingCondition(p.source, log),
      registry: p.registry,
      log,
    });
    return (await archiveReadyWal(config.pgData, (name) => archiver.archiveLeftover(name))).length;
  } finally {
    await stores.close();
  }
}
