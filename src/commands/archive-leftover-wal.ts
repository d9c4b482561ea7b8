// The former primary's WAL archived through an archiver of its own: the `.ready` files before its rewind
// (src/replication/archive-ready-wal.ts), and, when it is demoted into a replica cluster, its last unfinished
// segment as `.partial` (src/replication/archive-partial-wal.ts). The WAL channel's archiver serves PostgreSQL
// and refuses to archive on an instance that is not currentPrimary, which is right for archive_command and wrong
// for this leftover WAL. Loaded only by a former primary with an object store.
import { join } from 'node:path';
import type { Logger } from '../log/logger.js';
import { archivePartialWal } from '../replication/archive-partial-wal.js';
import { archiveReadyWal } from '../replication/archive-ready-wal.js';
import type { Cluster } from '../spec/cluster.js';
import { parseControlData, readControlData } from '../supervisor/controldata.js';
import { ArchivingCondition } from '../wal/archiving-condition.js';
import { StoreCache } from '../wal/store-cache.js';
import { WalArchiver } from '../wal/wal-archiver.js';
import type { Prepared } from './prepare.js';

/** What archiving the leftover WAL needs of a prepared instance. */
export type ArchiverNeeds = Pick<Prepared, 'config' | 'source' | 'state' | 'registry'>;

async function withArchiver<T>(p: ArchiverNeeds, cluster: Cluster, log: Logger, use: (archiver: WalArchiver) => Promise<T>): Promise<T> {
  const { config } = p;
  // The run folder holds the endpointCA file barman's tools are given (bzip2, Azure AD), as for archive_command.
  const stores = new StoreCache(p.source, config.controller.run);
  try {
    return await use(
      new WalArchiver({
        pgData: config.pgData,
        spoolDir: join(config.controller.root, 'wal-archive-spool'),
        podName: p.state.podName,
        cluster: () => cluster,
        stores,
        condition: new ArchivingCondition(p.source, log),
        registry: p.registry,
        log,
      }),
    );
  } finally {
    await stores.close();
  }
}

/** Archives every `.ready` WAL file of PGDATA into `cluster`'s object store; returns how many. */
export async function archiveLeftoverWal(p: ArchiverNeeds, cluster: Cluster, log: Logger): Promise<number> {
  return withArchiver(p, cluster, log, async (archiver) => (await archiveReadyWal(p.config.pgData, (name) => archiver.archiveLeftover(name))).length);
}

/**
 * Archives the `.ready` files, then the last segment of a cleanly stopped PGDATA as `.partial`; returns its name
 * (undefined after a crash: no shutdown checkpoint, so no token either, and the REDO segment is not the end of WAL).
 */
export async function archiveLastWal(p: ArchiverNeeds, cluster: Cluster, log: Logger): Promise<string | undefined> {
  const r = await readControlData(p.config.pgBin, p.config.pgData, p.registry);
  if (!r.ok) throw new Error(`pg_controldata failed: ${r.text}`);
  const control = parseControlData(r.text);
  return withArchiver(p, cluster, log, async (archiver) => {
    await archiveReadyWal(p.config.pgData, (name) => archiver.archiveLeftover(name));
    if (control['Database cluster state'] !== 'shut down') return undefined;
    return archivePartialWal(p.config.pgData, control["Latest checkpoint's REDO WAL file"] ?? '', (name) => archiver.archiveLeftover(name));
  });
}

/** Archives `redoWalFile` of the stopped PGDATA as `.partial` (the operator's /pg/archive/partial); returns the name. */
export async function archivePartialSegment(p: ArchiverNeeds, cluster: Cluster, log: Logger, redoWalFile: string): Promise<string> {
  return withArchiver(p, cluster, log, (archiver) => archivePartialWal(p.config.pgData, redoWalFile, (name) => archiver.archiveLeftover(name)));
}
