// The local-only WAL channel as a part of `instance run` (CNPG runs its local webserver on :8010 as a
// runnable of the same manager): the archiver and restorer of src/wal/ behind a Unix socket. It stops after
// the postmaster, whose archiver keeps archiving through the shutdown checkpoint.
import { realpath } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Config } from '../config/config.js';
import { EXIT } from '../config/constants.js';
import { walChannelSocket } from '../config/manager-command.js';
import { child, type Logger } from '../log/logger.js';
import type { Cluster } from '../spec/cluster.js';
import type { SpecSource } from '../source/spec-source.js';
import type { ChildRegistry } from '../supervisor/child-registry.js';
import { parseControlData, readControlData } from '../supervisor/controldata.js';
import { ArchivingCondition } from '../wal/archiving-condition.js';
import { StoreCache } from '../wal/store-cache.js';
import { WalArchiver } from '../wal/wal-archiver.js';
import { serveWalChannel } from '../wal/wal-channel-server.js';
import { WalRestorer } from '../wal/wal-restorer.js';
import { restoreCluster } from '../wal/restore-source.js';
import type { Part } from './part-group.js';

export interface WalChannelOptions {
  config: Config;
  source: SpecSource;
  podName: string;
  /** The Cluster in force, with this pod's own status patches applied (own-status.ts). */
  cluster: () => Cluster | undefined;
  registry: ChildRegistry;
  root: Logger;
}

/** The WAL channel part; ready once the socket listens. */
export function walChannelPart(o: WalChannelOptions): Part {
  return {
    name: 'wal-channel',
    stopOrder: 2,
    exitCode: EXIT.parts.walChannel,
    async start(signal, ready) {
      const log = child(o.root, 'wal-archive');
      const stores = new StoreCache(o.source, o.config.controller.run);
      // The restorer's own cache: on a replica cluster's designated primary it reads the source's store (wal/restore-source.ts).
      const restoreStores = new StoreCache(o.source, o.config.controller.run);
      const { pgBin, pgData, controller } = o.config;
      let segmentBytes: Promise<number> | undefined;
      const readSegmentBytes = async (): Promise<number> => {
        const r = await readControlData(pgBin, pgData, o.registry);
        const bytes = Number(parseControlData(r.text)['Bytes per WAL segment']);
        if (!r.ok || !Number.isInteger(bytes) || bytes <= 0) throw new Error(`pg_controldata gave no WAL segment size: ${r.text.slice(0, 200)}`);
        return bytes;
      };
      const archiver = new WalArchiver({ pgData, spoolDir: join(controller.root, 'wal-archive-spool'), podName: o.podName, cluster: o.cluster, stores, condition: new ArchivingCondition(o.source, log), registry: o.registry, log });
      const restorer = new WalRestorer({
        pgData,
        spoolDir: join(controller.root, 'wal-restore-spool'),
        podName: o.podName,
        cluster: () => {
          const c = o.cluster();
          return c && restoreCluster(c, o.podName);
        },
        stores: restoreStores,
        segmentBytes: () => {
          segmentBytes ??= readSegmentBytes();
          // A failed read is retried by the next request.
          segmentBytes.catch(() => (segmentBytes = undefined));
          return segmentBytes;
        },
        registry: o.registry,
      });
      // PostgreSQL runs the commands in PGDATA as resolved by getcwd(): compare against the real path (PGDATA
      // itself may not exist yet).
      // eslint-disable-next-line security/detect-non-literal-fs-filename -- PGDATA
      const realPgData = join(await realpath(dirname(pgData)), basename(pgData));
      const served = await serveWalChannel(walChannelSocket(controller.root), realPgData, { archive: (n) => archiver.archive(n), restore: (n, d, r) => restorer.restore(n, d, r) }, log, signal);
      ready();
      await served.done;
      await stores.close();
      await restoreStores.close();
    },
  };
}
