// The manager's side of `wal-restore` (CNPG internal/cmd/manager/walrestore/cmd.go, barman-cloud
// pkg/restorer): timeline guard, spool, parallel prefetch sized by pg_control's segment size (CNPG #8874
// assumed 16 MB), every download to a temporary name then renamed (CNPG #10092: a prefetched file read while
// still downloading), and the end-of-wal-stream flag that sends a replica (or a designated primary whose source
// has connectionParameters) back to streaming.
/* eslint-disable security/detect-non-literal-fs-filename -- PGDATA/pg_wal/<checked WAL name>, the manager's own spool and socket folders */
import { copyFile, mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import type { Cluster } from '../spec/cluster.js';
import type { ChildRegistry } from '../supervisor/child-registry.js';
import { barmanError, runBarman } from './barman-tool.js';
import { streamingAvailable } from './restore-source.js';
import { StoreError } from './store-client.js';
import type { ActiveStore, StoreCache } from './store-cache.js';
import { historyTimeline, isSegmentName, isWalFileName, nextSegments, walObjectKey } from './wal-names.js';

const gunzipAsync = promisify(gunzip);
const END_OF_WAL_STREAM = 'end-of-wal-stream';

/** How a restore failed; the subcommand maps it to barman-cloud-wal-restore's exit codes. */
export class RestoreFailure extends Error {
  readonly kind: 'not-found' | 'connectivity' | 'invalid' | 'other' | 'end-of-stream';
  constructor(kind: RestoreFailure['kind'], message: string) {
    super(message);
    this.name = 'RestoreFailure';
    this.kind = kind;
  }
}

export interface WalRestorerOptions {
  pgData: string;
  /** Prefetched segments (CNPG /controller/wal-restore-spool). */
  spoolDir: string;
  podName: string;
  cluster: () => Cluster | undefined;
  stores: StoreCache;
  /** The WAL segment size in bytes, from pg_controldata. */
  segmentBytes: () => Promise<number>;
  registry: ChildRegistry;
}

/** Restores WAL files on PostgreSQL's request. */
export class WalRestorer {
  readonly #o: WalRestorerOptions;
  readonly #inflight = new Map<string, Promise<void>>();

  constructor(options: WalRestorerOptions) {
    this.#o = options;
  }

  /** Restores `name` to `dest` (absolute); `rewind` turns off prefetch and the end-of-stream flag. */
  async restore(name: string, dest: string, rewind: boolean): Promise<void> {
    if (!isWalFileName(name)) throw new RestoreFailure('invalid', `not a WAL file name: ${JSON.stringify(name)}`);
    const cluster = this.#o.cluster();
    if (!cluster) throw new RestoreFailure('other', 'the Cluster is not loaded yet');
    const status = cluster.status;
    const primary = status.currentPrimary === this.#o.podName || status.targetPrimary === this.#o.podName;
    // B.5 step 1: a replica never follows a timeline newer than the cluster's (a future .history).
    const tli = historyTimeline(name);
    const clusterTli = typeof status.timelineID === 'number' ? status.timelineID : 0;
    if (tli !== undefined && !primary && clusterTli > 0 && tli > clusterTli) {
      throw new RestoreFailure('not-found', `${name} is on timeline ${tli}, newer than the cluster's ${clusterTli}: refused`);
    }
    const active = await this.#o.stores.get(cluster);
    if (!active) throw new RestoreFailure('not-found', 'no object store is configured (spec.backup.barmanObjectStore)');
    const spooled = join(this.#o.spoolDir, name);
    if (await exists(spooled)) return moveInto(spooled, dest);
    const streaming = !rewind && streamingAvailable(cluster, this.#o.podName);
    const flag = join(this.#o.spoolDir, END_OF_WAL_STREAM);
    if (streaming && (await rm(flag).then(() => true, () => false))) throw new RestoreFailure('end-of-stream', 'end of WAL reached: switching to streaming');
    const ahead = !rewind && isSegmentName(name) ? nextSegments(name, active.settings.store.wal.maxParallel - 1, await this.#o.segmentBytes()) : [];
    const prefetched = ahead.map((n) => this.#prefetch(n, active));
    const requested = this.#inflight.get(name);
    if (requested) {
      await requested.catch(() => undefined);
      if (await exists(spooled)) return moveInto(spooled, dest);
    }
    await download(this.#o.registry, active, name, dest);
    if (streaming) {
      const missing = (await Promise.all(prefetched)).some((found) => !found);
      if (missing) await writeFile(flag, '');
    }
  }

  // Resolves false when the segment is not in the archive (the end of the archived stream).
  #prefetch(name: string, active: ActiveStore): Promise<boolean> {
    const running = this.#inflight.get(name);
    const target = join(this.#o.spoolDir, name);
    const work =
      running ??
      (async () => {
        if (await exists(target)) return;
        await mkdir(this.#o.spoolDir, { recursive: true, mode: 0o700 });
        await download(this.#o.registry, active, name, target);
      })().finally(() => this.#inflight.delete(name));
    if (!running) this.#inflight.set(name, work);
    return work.then(
      () => true,
      (err: unknown) => !(err instanceof RestoreFailure && err.kind === 'not-found'),
    );
  }
}

// Downloads into `<dest>.tmp` then renames, so nobody ever reads a half-written file.
async function download(registry: ChildRegistry, active: ActiveStore, name: string, dest: string): Promise<void> {
  const { settings, client } = active;
  const tmp = `${dest}.tmp`;
  try {
    if (!client || settings.store.wal.compression === 'bzip2') {
      const r = await runBarman(registry, settings, 'barman-cloud-wal-restore', [], [name, tmp]);
      if (r.exitCode !== 0) throw new RestoreFailure(r.exitCode === 1 ? 'not-found' : r.exitCode === 2 ? 'connectivity' : 'other', barmanError('barman-cloud-wal-restore', r));
    } else {
      const bytes = await fetchAnyCompression(active, name);
      await writeFile(tmp, bytes, { mode: 0o600 });
    }
    await rename(tmp, dest);
  } catch (err) {
    await rm(tmp, { force: true });
    if (err instanceof RestoreFailure) throw err;
    if (err instanceof StoreError) throw new RestoreFailure(err.kind, err.message);
    throw new RestoreFailure('other', (err as Error).message);
  }
}

// The configured compression first, then the other names barman may have used (a change of wal.compression).
// A segment that is not archived may be there as `<segment>.partial`, the last one of a primary demoted into a
// replica cluster (src/replication/archive-partial-wal.ts): handed out in its place, as barman-cloud-wal-restore
// does (its prefix match in barman/clients/cloud_walrestore.py).
async function fetchAnyCompression(active: ActiveStore, name: string): Promise<Buffer> {
  const { settings, client } = active;
  const order: ('gzip' | undefined)[] = settings.store.wal.compression === 'gzip' ? ['gzip', undefined] : [undefined, 'gzip'];
  for (const candidate of isSegmentName(name) ? [name, `${name}.partial`] : [name]) {
    for (const compression of order) {
      try {
        const bytes = await client!.get(walObjectKey(settings.prefix, settings.serverName, candidate, compression)); // eslint-disable-line @typescript-eslint/no-non-null-assertion -- checked by the caller
        return compression === 'gzip' ? await gunzipAsync(bytes) : bytes;
      } catch (err) {
        if (!(err instanceof StoreError && err.kind === 'not-found')) throw err;
      }
    }
  }
  throw new RestoreFailure('not-found', `${name} is not in the archive ${settings.store.destinationPath}/${settings.serverName}`);
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}

// The spool is in the controller folder, the destination in PGDATA: another file system in a pod.
async function moveInto(from: string, dest: string): Promise<void> {
  try {
    await rename(from, dest);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw new RestoreFailure('other', (err as Error).message);
    const tmp = join(dirname(dest), `.${Date.now()}.tmp`);
    await copyFile(from, tmp);
    await rename(tmp, dest);
    await rm(from, { force: true });
  }
}
