// The manager's side of `wal-archive` (CNPG pkg/management/postgres/archiver/archiver.go and barman-cloud
// pkg/archiver): the rules of CNPG's archive path, with the upload done by a long-lived in-process client
// instead of one barman-cloud-wal-archive Python process per segment (plugin-barman-cloud#656: archiving fell
// behind). The objects land at barman's names, so barman-cloud-wal-restore and -backup-list read them.
/* eslint-disable security/detect-non-literal-fs-filename -- PGDATA/pg_wal/<checked WAL name>, the manager's own spool and socket folders */
import { readFile, readdir, rm, stat, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { gzip } from 'node:zlib';
import { promisify } from 'node:util';
import { PGDATA_FILES } from '../config/constants.js';
import { describeError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { Cluster } from '../spec/cluster.js';
import { isReplicaCluster } from '../spec/replica-mode.js';
import type { ChildRegistry } from '../supervisor/child-registry.js';
import type { ArchivingCondition } from './archiving-condition.js';
import { barmanError, runBarman } from './barman-tool.js';
import type { ActiveStore, StoreCache } from './store-cache.js';
import { isWalFileName, walObjectKey } from './wal-names.js';

const gzipAsync = promisify(gzip);
// What barman prints when S3 (boto3) or Azure (azure-storage-blob) refuses the credentials.
const ACCESS_DENIED = /\b403\b|Forbidden|InvalidAccessKeyId|SignatureDoesNotMatch|AuthenticationFailed|AuthorizationFailure/;

/** A refusal PostgreSQL sees as a failed archive_command (it retries), with the reason for the log. */
export class ArchiveRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ArchiveRefused';
  }
}

export interface WalArchiverOptions {
  pgData: string;
  /** Markers of segments archived ahead of PostgreSQL's request (CNPG /controller/wal-archive-spool). */
  spoolDir: string;
  podName: string;
  cluster: () => Cluster | undefined;
  stores: StoreCache;
  condition: ArchivingCondition;
  registry: ChildRegistry;
  log: Logger;
}

/** Archives WAL files on PostgreSQL's request, with look-ahead over the other `.ready` files. */
export class WalArchiver {
  readonly #o: WalArchiverOptions;
  readonly #inflight = new Map<string, Promise<void>>();
  #emptyChecked = false;

  constructor(options: WalArchiverOptions) {
    this.#o = options;
  }

  /** Archives `name` (a file of pg_wal); resolves once it is in the object store, rejects to make PostgreSQL retry. */
  async archive(name: string): Promise<void> {
    try {
      if ((await this.#archive(name)) === 'skipped') return;
      this.#o.condition.report(undefined);
    } catch (err) {
      this.#o.condition.report(describeError(err));
      throw err;
    }
  }

  /**
   * Archives `name` although this instance is not the current primary, without touching the condition or the
   * empty-archive check: a former primary's `.ready` files before its rewind (CNPG archiver.go ArchiveAllReadyWALs).
   */
  async archiveLeftover(name: string): Promise<void> {
    await this.#archive(name, true);
  }

  async #archive(name: string, leftover = false): Promise<'archived' | 'skipped'> {
    if (!isWalFileName(name)) throw new ArchiveRefused(`not a WAL file name: ${JSON.stringify(name)}`);
    const cluster = this.#o.cluster();
    if (!cluster) throw new ArchiveRefused('the Cluster is not loaded yet');
    // B.1 step 2: a replica cluster runs with archive_mode = always; only its designated primary archives, the
    // other instances answer success without uploading, so PostgreSQL marks the file done (CNPG archiver.go Run).
    // Unlike CNPG, the skip leaves the ContinuousArchiving condition alone: it says nothing about the archive.
    if (!leftover && isReplicaCluster(cluster) && cluster.status.currentPrimary !== this.#o.podName && cluster.status.targetPrimary !== this.#o.podName) return 'skipped';
    // B.1 step 3: only the current primary archives (between a promotion and its status patch, nobody does).
    if (!leftover && cluster.status.currentPrimary !== this.#o.podName) {
      throw new ArchiveRefused(`switchover in progress, refusing archiving (currentPrimary is ${JSON.stringify(cluster.status.currentPrimary ?? '')}, this instance is ${this.#o.podName})`);
    }
    const active = await this.#o.stores.get(cluster);
    if (!active) return 'archived'; // no object store: nothing to do (archive_mode is off then anyway)
    // The empty-archive check is for a new PGDATA's first WAL. A former primary killed before its first archive
    // still has it pending, while the new primary has already written to this cluster's archive: its leftover
    // WAL goes there all the same (else it would be refused forever and never rewind).
    if (!leftover) await this.#checkEmptyArchive(active);
    const marker = join(this.#o.spoolDir, name);
    // Every request tops the look-ahead up, a spooled one too: the uploads keep ahead of PostgreSQL's
    // serial archiver, whose own pace is then one short process per segment.
    this.#lookAhead(name, active);
    if (await rm(marker).then(() => true, () => false)) return 'archived';
    const running = this.#inflight.get(name);
    if (running) return running.then(() => 'archived');
    await this.#upload(name, active);
    await this.#firstArchived();
    return 'archived';
  }

  // B.3: before the first WAL of a new PGDATA, the archive must be empty (another cluster, or a reused one).
  async #checkEmptyArchive(active: ActiveStore): Promise<void> {
    if (this.#emptyChecked) return;
    const pending = await stat(join(this.#o.pgData, PGDATA_FILES.checkEmptyWalArchive)).then(() => true, () => false);
    if (pending) {
      const r = await runBarman(this.#o.registry, active.settings, 'barman-cloud-check-wal-archive', [], []);
      if (r.exitCode !== 0) {
        const where = `${active.settings.store.destinationPath}/${active.settings.serverName}`;
        throw new ArchiveRefused(
          r.exitCode === 1
            ? `the WAL archive ${where} is not empty (${barmanError('barman-cloud-check-wal-archive', r)}): it belongs to another cluster or an earlier one; set a new serverName or destinationPath`
            : `checking that the WAL archive ${where} is empty failed${ACCESS_DENIED.test(r.stderr) ? ` (access denied: check the ${active.settings.store.provider === 's3' ? 's3Credentials' : 'azureCredentials'} Secret)` : ''}: ${barmanError('barman-cloud-check-wal-archive', r)}`,
        );
      }
    }
    this.#emptyChecked = true;
  }

  async #firstArchived(): Promise<void> {
    await rm(join(this.#o.pgData, PGDATA_FILES.checkEmptyWalArchive), { force: true });
  }

  // B.1 steps 8-9: up to maxParallel-1 other .ready files go up now; each leaves a spool marker on success.
  #lookAhead(requested: string, active: ActiveStore): void {
    const extra = active.settings.store.wal.maxParallel - 1;
    if (extra <= 0) return;
    void readdir(join(this.#o.pgData, 'pg_wal', 'archive_status'))
      .then(async (files) => {
        await mkdir(this.#o.spoolDir, { recursive: true, mode: 0o700 });
        const spooled = new Set(await readdir(this.#o.spoolDir));
        const ready = files
          .filter((f) => f.endsWith('.ready'))
          .map((f) => f.slice(0, -'.ready'.length))
          .filter((n) => n !== requested && isWalFileName(n) && !this.#inflight.has(n) && !spooled.has(n));
        ready.sort();
        // At most maxParallel uploads at once, the requested one included.
        const room = Math.max(0, extra + 1 - this.#inflight.size);
        for (const name of ready.slice(0, room)) {
          this.#upload(name, active)
            .then(() => writeFile(join(this.#o.spoolDir, name), ''))
            .catch((err: unknown) => this.#o.log.warn({ wal: name, err: describeError(err) }, 'archiving ahead failed; PostgreSQL will ask again'));
        }
      })
      .catch((err: unknown) => this.#o.log.warn({ err: describeError(err) }, 'could not list the .ready files'));
  }

  #upload(name: string, active: ActiveStore): Promise<void> {
    const running = this.#inflight.get(name);
    if (running) return running;
    const started = this.#uploadOnce(name, active).finally(() => this.#inflight.delete(name));
    this.#inflight.set(name, started);
    return started;
  }

  async #uploadOnce(name: string, active: ActiveStore): Promise<void> {
    const { settings, client } = active;
    const wal = settings.store.wal;
    const path = join(this.#o.pgData, 'pg_wal', name);
    if (!client || wal.compression === 'bzip2') {
      // What the in-process clients do not do (bzip2, Azure's DefaultAzureCredential) goes through barman's own tool.
      const before = [...(wal.compression ? [`--${wal.compression}`] : []), ...(wal.encryption ? ['-e', wal.encryption] : [])];
      const r = await runBarman(this.#o.registry, settings, 'barman-cloud-wal-archive', before, [path]);
      if (r.exitCode !== 0) throw new Error(barmanError('barman-cloud-wal-archive', r));
      return;
    }
    const bytes = await readFile(path);
    const body = wal.compression === 'gzip' ? await gzipAsync(bytes) : bytes;
    await client.put(walObjectKey(settings.prefix, settings.serverName, name, wal.compression), body, wal.encryption ? { encryption: wal.encryption } : {});
  }
}
