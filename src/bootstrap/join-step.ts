// `instance join` as a one-shot step (CNPG internal/cmd/manager/instance/join, pkg/management/postgres/join.go):
// wait for the primary, clone it with pg_basebackup as streaming_replica into a temporary sibling of PGDATA,
// write override.conf and standby.signal into the copy, and only then rename it into place. So PGDATA is
// either a complete replica or absent: an interrupted clone leaves a temporary folder (removed at the next
// start with initdb's leftovers, initdb-leftovers.ts), never a PGDATA that looks usable.
import { readdir, rename, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { ManagerError } from '../errors.js';
import { child, type Logger } from '../log/logger.js';
import { asideSuffix } from './aside-name.js';
import { fsyncDir, writeFileAtomic } from '../files/write-file-atomic.js';
import { PGDATA_FILES } from '../config/constants.js';
import type { Cluster } from '../spec/cluster.js';
import type { ChildRegistry } from '../supervisor/child-registry.js';
import { runBasebackup } from './basebackup.js';
import { initdbTempPrefix } from './initdb-leftovers.js';
import { waitForPrimary, type PrimaryFound } from './wait-for-primary.js';
import { clearFinalPath, placeExtras, removeTemps, tablespaceLocation, tempSibling, type ExtraFolder } from './extra-folders.js';
import { primaryTablespaces } from '../db/primary-tablespaces.js';
import { primaryDataBytes } from '../db/primary-size.js';
import type { ReplicationTarget } from '../db/replication-probe.js';

export interface JoinStepOptions {
  pgBin: string;
  pgData: string;
  podName: string;
  certificatesDir: string;
  registry: ChildRegistry;
  root: Logger;
  /** Re-reads the Cluster (the status names the primary). */
  load: () => Promise<Cluster>;
  /** Work that must finish first (the embedded default's certificates and Secrets). */
  beside: Promise<void>;
  /** Writes the TLS files (the streaming_replica certificate, the server CA) for `cluster`. */
  writeCertificates: (cluster: Cluster) => Promise<void>;
  primaryOf: (cluster: Cluster) => string | undefined;
  addressOf: (cluster: Cluster, primary: string) => { host: string; port: number };
  /** The replica's conninfo to `primary` with `applicationName` and extra pairs. */
  conninfo: (cluster: Cluster, primary: string, applicationName: string, extra: [string, string][]) => string;
  /** override.conf of the new replica. */
  overrideConf: (cluster: Cluster) => Promise<string>;
  /** Progress log interval (default 5 s). */
  progressEveryMs?: number;
  /** spec.walStorage: pg_wal's own folder (pg_basebackup --waldir, CNPG join.go ClonePgData). */
  pgWal?: string;
  /** Our tablespace <name> goes to <tablespacesDir>/<name>/data, whatever the primary's path. */
  tablespacesDir: string;
}

/** `<pgdata>_<YYYYMMDDHHMMSS>` beside PGDATA (CNPG's "friendly timestamp" suffix). */
export function asideName(pgData: string, now: Date = new Date()): string {
  return `${pgData}_${asideSuffix(now)}`;
}

// A non-empty PGDATA is never deleted: CNPG keeps a real cluster's folder aside and deletes anything else;
// here everything goes aside, since a folder pg_controldata cannot read may still be someone's data.
/** Moves a non-empty PGDATA aside (never deleted) before a clone. */
export async function moveAside(pgData: string, log: Logger): Promise<void> {
  // eslint-disable-next-line security/detect-non-literal-fs-filename -- PGDATA
  const entries = await readdir(pgData).catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? [] : Promise.reject(err)));
  if (entries.filter((e) => e !== 'lost+found').length === 0) return;
  const aside = asideName(pgData);
  // eslint-disable-next-line security/detect-non-literal-fs-filename -- PGDATA -> a sibling
  await rename(pgData, aside).catch((err: NodeJS.ErrnoException) => {
    throw new ManagerError('BOOTSTRAP', `cannot move the existing PGDATA ${pgData} aside to ${aside} (${err.code ?? err.message}): nothing was changed`, { cause: err });
  });
  await fsyncDir(dirname(pgData));
  log.warn({ pgdata: pgData, movedTo: aside }, 'PGDATA already held data: moved aside (not deleted) before the clone');
}

/** Clones the primary into PGDATA. Resolves when PGDATA is a complete replica; on abort or failure PGDATA is untouched. */
export async function runJoinStep(o: JoinStepOptions, signal: AbortSignal): Promise<void> {
  const log = child(o.root, 'join');
  await moveAside(o.pgData, log);
  await o.beside;
  await o.writeCertificates(await o.load());
  // CNPG's join pod is named `<instance>-join`: the primary's /pg/status lists the clone by that suffix.
  const cloneName = `${o.podName}-join`;
  const found = await waitForPrimary({ load: o.load, primaryOf: o.primaryOf, addressOf: o.addressOf, applicationName: cloneName, certificatesDir: o.certificatesDir, log, signal });
  const temp = join(dirname(o.pgData), `${initdbTempPrefix(o.pgData)}join-${randomBytes(4).toString('hex')}`);
  const target: ReplicationTarget = { host: found.host, port: found.port, applicationName: cloneName, certificatesDir: o.certificatesDir, timeoutMs: 5000 };
  const extras = await cloneFolders(o, found, target, log);
  log.info({ primary: found.primary, host: found.host, port: found.port, pgdata: o.pgData, temp, extra: extras.map((x) => x.final) }, 'cloning the primary');
  try {
    await runBasebackup({
      extraArgs: extras.flatMap((x) => (x.link === 'pg_wal' ? ['--waldir', x.temp] : [`--tablespace-mapping=${x.source ?? ''}=${x.temp}`])),
      pgBin: o.pgBin,
      target: temp,
      // The sender timeout is off for the clone only (CNPG join.go): a slow disk here must not end the copy.
      conninfo: o.conninfo(found.cluster, found.primary, cloneName, [['connect_timeout', '5'], ['options', '-c wal_sender_timeout=0s']]),
      registry: o.registry,
      root: o.root,
      signal,
      progressEveryMs: o.progressEveryMs,
      // The total is asked beside the copy, not before it: progress only, so a failure leaves it unknown.
      progressFromDisk: { folders: extras.filter((x) => x.link !== 'pg_wal').map((x) => x.temp), total: primaryDataBytes(target).catch(() => undefined) },
    });
    signal.throwIfAborted();
    await writeFileAtomic(join(temp, PGDATA_FILES.override), await o.overrideConf(found.cluster), 0o600);
    await writeFileAtomic(join(temp, 'standby.signal'), '', 0o600);
    // A primary cloned before its first WAL was archived still has the empty-archive flag: a replica never starts
    // an archive, and once promoted it would refuse to archive into its own cluster's (no longer empty) one.
    await rm(join(temp, PGDATA_FILES.checkEmptyWalArchive), { force: true });
    await placeExtras(temp, extras);
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- temp -> PGDATA (absent or empty)
    await rename(temp, o.pgData);
    await fsyncDir(dirname(o.pgData));
  } catch (err) {
    // pg_basebackup's WAL receiver child may still be writing for a moment after it was stopped.
    await rm(temp, { recursive: true, force: true, maxRetries: 5 });
    await removeTemps(extras);
    if (signal.aborted) throw new ManagerError('BOOTSTRAP', 'the clone was interrupted; nothing was kept and the next start clones again', { cause: err });
    throw err;
  }
  log.info({ pgdata: o.pgData, primary: found.primary }, 'replica cloned');
}

// pg_wal's own folder and one folder per tablespace of the primary, each cloned into a temporary sibling of its
// final path. In CNPG every pod has the same paths, so no mapping is needed; locally two instances never share one.
async function cloneFolders(o: JoinStepOptions, found: PrimaryFound, target: ReplicationTarget, log: Logger): Promise<(ExtraFolder & { source?: string })[]> {
  const extras: (ExtraFolder & { source?: string })[] = [];
  if (o.pgWal) extras.push({ what: 'WAL folder', final: o.pgWal, temp: tempSibling(o.pgWal, 'join'), link: 'pg_wal' });
  // Tablespaces come from spec.tablespaces (CNPG creates no others): without any, no second connection to ask the
  // primary. One made by hand is cloned to the primary's own path, as in CNPG, where every pod has the same paths.
  const declared = (found.cluster.spec.tablespaces ?? []).length > 0;
  for (const t of declared ? await primaryTablespaces(target) : []) {
    // `=` separates the two paths of a mapping (pg_basebackup.c tablespace_list_append): escaped as `\=`.
    if (t.location.includes('\\')) throw new ManagerError('BOOTSTRAP', `the primary's tablespace ${t.name} has a location with a backslash (${t.location}): cannot map it`);
    const final = tablespaceLocation(o.tablespacesDir, t.name);
    extras.push({ what: `folder of tablespace ${t.name}`, final, temp: tempSibling(final, 'join'), link: join('pg_tblspc', t.oid), source: t.location.replace(/=/g, '\\=') });
  }
  for (const x of extras) await clearFinalPath(x.final, x.what, log);
  return extras;
}
