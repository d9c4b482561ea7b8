// `instance pgbasebackup` as a one-shot step (CNPG internal/cmd/manager/instance/pgbasebackup/cmd.go): clone an
// external cluster (spec.bootstrap.pg_basebackup.source) with pg_basebackup into a temporary sibling of PGDATA,
// then rename it into place. A plain clone starts as a new primary on the source's timeline (crash recovery
// from the streamed WAL, no recovery.signal); the designated primary of a replica cluster gets override.conf
// and standby.signal instead, and follows the source. A source that cannot be reached is retried, with the
// reason in the log (once per new reason) and in the status, and never leaves a half PGDATA.
import { randomBytes } from 'node:crypto';
import { rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { PGDATA_FILES } from '../config/constants.js';
import { ManagerError, describeError } from '../errors.js';
import { fsyncDir, writeFileAtomic } from '../files/write-file-atomic.js';
import { child, type Logger } from '../log/logger.js';
import type { Cluster } from '../spec/cluster.js';
import type { ChildRegistry } from '../supervisor/child-registry.js';
import { runBasebackup } from './basebackup.js';
import { BOOTSTRAP_MARKER } from './bootstrap-marker.js';
import { initdbTempPrefix } from './initdb-leftovers.js';
import { moveAside } from './join-step.js';

export interface CloneExternalOptions {
  pgBin: string;
  pgData: string;
  registry: ChildRegistry;
  root: Logger;
  /** Re-reads the Cluster before each attempt (a fixed Secret or host is picked up). */
  load: () => Promise<Cluster>;
  /** Work that must finish first (the embedded default's certificates and Secrets). */
  beside: Promise<void>;
  /** Writes <controller>/external/<name>/ (password file, TLS keys) for `cluster`. */
  writeExternalFiles: (cluster: Cluster) => Promise<void>;
  /** The source's conninfo for pg_basebackup. */
  conninfo: (cluster: Cluster) => string;
  /** override.conf of a designated primary, or undefined for a plain clone (a new primary). */
  standbyOverride: (cluster: Cluster) => string | undefined;
  /** Tells the status why the clone waits (undefined once it goes on). */
  report: (reason: string | undefined) => Promise<void>;
  minDelayMs?: number;
  maxDelayMs?: number;
  progressEveryMs?: number;
}

/** Clones the source into PGDATA; resolves when PGDATA is complete, retries failures until `signal` aborts. */
export async function runCloneExternalStep(o: CloneExternalOptions, signal: AbortSignal): Promise<void> {
  const log = child(o.root, 'pgbasebackup');
  await moveAside(o.pgData, log);
  await o.beside;
  let pause = o.minDelayMs ?? 1000;
  let last = '';
  for (;;) {
    signal.throwIfAborted();
    try {
      const cluster = await o.load();
      await cloneOnce(o, cluster, log, signal);
      if (last !== '') await o.report(undefined).catch(() => undefined);
      return;
    } catch (err) {
      if (signal.aborted) throw new ManagerError('BOOTSTRAP', 'the clone of the external cluster was interrupted; nothing was kept and the next start clones again', { cause: err });
      const reason = describeError(err);
      if (reason !== last) {
        log.error({ err: reason, retryInMs: pause }, 'cannot clone the external cluster (spec.bootstrap.pg_basebackup.source); retrying until it works');
        await o.report(`cannot clone spec.bootstrap.pg_basebackup.source: ${reason}`).catch(() => undefined);
        last = reason;
      }
    }
    await delay(pause, undefined, { signal }).catch(() => undefined);
    pause = Math.min(pause * 2, o.maxDelayMs ?? 10_000);
  }
}

async function cloneOnce(o: CloneExternalOptions, cluster: Cluster, log: Logger, signal: AbortSignal): Promise<void> {
  await o.writeExternalFiles(cluster);
  const conninfo = o.conninfo(cluster);
  const override = o.standbyOverride(cluster);
  const temp = join(dirname(o.pgData), `${initdbTempPrefix(o.pgData)}clone-${randomBytes(4).toString('hex')}`);
  log.info({ source: cluster.spec.bootstrap.pgBasebackup?.source, pgdata: o.pgData, temp, replicaCluster: override !== undefined }, 'cloning the external cluster');
  try {
    await runBasebackup({ pgBin: o.pgBin, target: temp, conninfo, registry: o.registry, root: o.root, signal, progressEveryMs: o.progressEveryMs });
    signal.throwIfAborted();
    // What the source's PGDATA carried that is not this cluster's: its signal files, its bootstrap marker, its
    // empty-archive flag. The clone starts with the flag when it has its own store (CNPG pgbasebackup/cmd.go), a
    // replica cluster too: its designated primary archives what it receives (archive_mode = always), and its own
    // archive must be empty (not the source's, nor an earlier cluster's).
    for (const name of ['standby.signal', 'recovery.signal', BOOTSTRAP_MARKER, PGDATA_FILES.checkEmptyWalArchive]) await rm(join(temp, name), { force: true });
    await writeFileAtomic(join(temp, PGDATA_FILES.override), override ?? '', 0o600);
    if (override !== undefined) await writeFileAtomic(join(temp, 'standby.signal'), '', 0o600);
    if (cluster.spec.backup?.barmanObjectStore !== undefined) await writeFileAtomic(join(temp, PGDATA_FILES.checkEmptyWalArchive), '', 0o600);
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- temp -> PGDATA (absent or empty)
    await rename(temp, o.pgData);
    await fsyncDir(dirname(o.pgData));
  } catch (err) {
    // pg_basebackup's WAL receiver child may still be writing for a moment after it was stopped.
    await rm(temp, { recursive: true, force: true, maxRetries: 5 });
    throw err;
  }
  log.info({ pgdata: o.pgData, replicaCluster: override !== undefined }, 'external cluster cloned');
}
