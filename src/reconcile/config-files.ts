// Renders and writes everything postgres reads from disk for one version of the Cluster: TLS files,
// pg_hba.conf, pg_ident.conf, custom.conf and the includes in postgresql.conf. Reports what changed
// and the two hashes a reload must make the server report.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PGDATA_FILES } from '../config/constants.js';
import type { ControllerPaths } from '../config/constants.js';
import { managerCommand, shellQuote } from '../config/manager-command.js';
import { ManagerError, wrap } from '../errors.js';
import { renderCustomConf } from '../pgfiles/custom-conf.js';
import { temporaryTablespaces } from '../spec/validate-storage.js';
import { renderPgHba } from '../pgfiles/hba.js';
import { expandPodSelectors } from '../pgfiles/hba-podselector.js';
import { renderPgIdent } from '../pgfiles/ident.js';
import { ensureIncludes } from '../pgfiles/postgresql-conf.js';
import { writeFileAtomic } from '../files/write-file-atomic.js';
import type { Cluster } from '../spec/cluster.js';
import { isReplicaCluster } from '../spec/replica-mode.js';
import type { SpecSource } from '../source/spec-source.js';
import { renderTlsFiles, writeTlsFiles, type TlsFile } from '../tls/tls-files.js';
import { overrideConfText, roleOnDisk, standbySlots, syncStandbyNames, type ReplicationContext, type Role } from './replica-files.js';

/** The parameter carrying the hash of pg_hba, pg_ident and the TLS files, so a reload can be confirmed for them too. */
export const FILES_SHA_PARAMETER = 'cnpg.files_sha256';

/** Where and as whom the files are written: fixed for the life of the process. */
export interface ConfigFilesContext {
  source: SpecSource;
  pgData: string;
  controller: ControllerPaths;
  port: number;
  listenAddresses: string;
  pgMajor: number;
  osUser: string;
  replication: ReplicationContext;
}

export interface ConfigFilesInput extends ConfigFilesContext {
  cluster: Cluster;
  /** With a running server: what postgres finds wrong in the files now on disk (pg_hba_file_rules, pg_file_settings). */
  validateFiles?: () => Promise<FileErrors>;
}

export interface ConfigFilesResult {
  changedFiles: string[];
  configSha256: string;
  filesSha256: string;
  /** The role PGDATA's files give (standby.signal => replica). */
  role: Role;
}

/** Writes only the TLS files (before PGDATA exists: `instance join` needs the replication certificate). */
export async function writeCertificateFiles(cluster: Cluster, source: SpecSource, certificatesDir: string): Promise<void> {
  await writeTlsFiles(certificatesDir, await tlsFiles(cluster, source));
}

async function tlsFiles(cluster: Cluster, source: SpecSource): Promise<TlsFile[]> {
  const names = cluster.spec.certificates;
  const [serverSecret, replicationSecret, clientCaSecret, serverCaSecret] = await Promise.all([
    source.getSecret(names.serverTLSSecret),
    source.getSecret(names.replicationTLSSecret),
    source.getSecret(names.clientCASecret),
    source.getSecret(names.serverCASecret),
  ]);
  // postgres runs with ssl=on: without a server certificate it would not start, so say which Secret is missing.
  if (!serverSecret) throw new ManagerError('TLS', `server TLS Secret ${names.serverTLSSecret} not found`);
  if (!clientCaSecret) throw new ManagerError('TLS', `client CA Secret ${names.clientCASecret} not found`);
  return renderTlsFiles({ serverSecret, replicationSecret, clientCaSecret, serverCaSecret });
}

async function ldapBindPassword(cluster: Cluster, source: SpecSource): Promise<string | undefined> {
  const ref = cluster.spec.postgresql.ldap?.bindSearchAuth?.bindPassword;
  if (!ref) return undefined;
  const secret = await source.getSecret(ref.name);
  // Own keys only: a key named `constructor` or `__proto__` must not reach the prototype.
  const value = secret && Object.hasOwn(secret.data, ref.key) ? secret.data[ref.key] : undefined;
  if (!secret) throw new ManagerError('INVALID_SECRET', `LDAP bind password Secret ${ref.name} not found`);
  if (value === undefined) throw new ManagerError('INVALID_SECRET', `missing key inside bind+search secret: ${ref.key}`);
  return value.toString('utf8');
}

/**
 * Selector names from spec.podSelectorRefs with the pod IPs the source resolved into
 * status.podSelectorRefs[{name, ips}] (the embedded default resolves none, so such lines are dropped).
 */
function podSelectorIps(cluster: Cluster): Map<string, string[]> {
  const map = new Map<string, string[]>();
  const spec = (cluster.raw.spec as { podSelectorRefs?: { name?: unknown }[] } | undefined)?.podSelectorRefs ?? [];
  const resolved = (cluster.status.podSelectorRefs as { name?: unknown; ips?: unknown }[] | undefined) ?? [];
  for (const ref of spec) {
    if (typeof ref.name !== 'string') continue;
    const ips = resolved.find((r) => r.name === ref.name)?.ips;
    map.set(ref.name, Array.isArray(ips) ? ips.filter((ip): ip is string => typeof ip === 'string') : []);
  }
  return map;
}

async function write(path: string, content: string, changed: string[]): Promise<void> {
  try {
    if ((await writeFileAtomic(path, content, 0o600)).changed) changed.push(path);
  } catch (err) {
    throw wrap('CONFIG_WRITE', `while writing ${path}`, err);
  }
}

async function readOrUndefined(path: string): Promise<string | undefined> {
  // eslint-disable-next-line security/detect-non-literal-fs-filename -- a manager-owned file in PGDATA
  return readFile(path, 'utf8').catch(() => undefined);
}

/** What postgres reports wrong in the files on disk, by kind (each entry names file and line). */
export interface FileErrors {
  auth: string[];
  settings: string[];
}

/**
 * Writes the files postgres parses (pg_hba.conf, pg_ident.conf, custom.conf, postgresql.conf...) and, when
 * postgres runs, asks it to parse them: on an error the previous files are put back, so the configuration in
 * force and the one on disk agree and the next start is not broken by a value postgres rejects.
 */
async function writeCheckedFiles(files: { path: string; content: string }[], changed: string[], validate?: () => Promise<FileErrors>): Promise<void> {
  const withBefore = await Promise.all(files.map(async (f) => ({ ...f, before: await readOrUndefined(f.path) })));
  const mine: string[] = [];
  await Promise.all(files.map((f) => write(f.path, f.content, mine)));
  if (mine.length > 0 && validate) {
    const errors = await validate();
    if (errors.auth.length > 0 || errors.settings.length > 0) {
      await Promise.all(withBefore.map(async (f) => (f.before === undefined ? undefined : writeFileAtomic(f.path, f.before, 0o600))));
      const what = [
        errors.auth.length > 0 ? `the new authentication rules (${errors.auth.join('; ')})` : '',
        errors.settings.length > 0 ? `the new settings (${errors.settings.join('; ')})` : '',
      ].filter(Boolean);
      throw new ManagerError('CONFIG_WRITE', `PostgreSQL refuses ${what.join(' and ')}; the previous files were restored`);
    }
  }
  changed.push(...mine);
}

// archive_mode = on and CNPG's archive_command argv when an object store is set (pkg/postgres/configuration.go
// `/controller/manager wal-archive --log-destination /controller/log/postgres.json %p`), plus --controller-dir:
// the subcommand finds the manager's local channel there. A replica cluster runs with archive_mode = always
// (CreatePostgresqlConfiguration: "case info.IsReplicaCluster"), so its designated primary, a standby, archives
// the WAL it receives into its own store; wal-archive is a successful no-op on its other instances.
function archiveSettings(cluster: Cluster, controller: ControllerPaths): { archiveMode: 'on' | 'off' | 'always'; archiveCommand?: string } {
  if (cluster.spec.backup?.barmanObjectStore === undefined) return { archiveMode: 'off' };
  const args = ['wal-archive', '--log-destination', `${controller.log}/postgres.json`, '--controller-dir', controller.root].map(shellQuote);
  return { archiveMode: isReplicaCluster(cluster) ? 'always' : 'on', archiveCommand: `${managerCommand()} ${args.join(' ')} %p` };
}

/** Renders and atomically writes the files; nothing is written when rendering fails, nothing stays when postgres rejects them. */
export async function writeConfigFiles(input: ConfigFilesInput): Promise<ConfigFilesResult> {
  const { cluster, pgData } = input;
  const pg = cluster.spec.postgresql;
  // Render everything first: a bad Secret must not leave half the files updated.
  const tls = await tlsFiles(cluster, input.source);
  const bindPassword = await ldapBindPassword(cluster, input.source);
  const hba = renderPgHba({ userRules: expandPodSelectors(pg.pgHba, podSelectorIps(cluster)), ldap: pg.ldap ? { spec: pg.ldap, bindPassword } : undefined, pgMajor: input.pgMajor });
  const ident = renderPgIdent({ osUser: input.osUser, userRules: pg.pgIdent });
  const role = await roleOnDisk(pgData);
  const override = await overrideConfText(pgData, cluster, role, input.replication);
  // override.conf is in the files hash: a new primary_conninfo alone must also be confirmed by the reload.
  const files = createHash('sha256').update(hba).update('\0').update(ident).update('\0').update(override);
  for (const f of tls) files.update('\0').update(f.fileName).update('\0').update(f.bytes);
  const filesSha256 = files.digest('hex');
  const custom = renderCustomConf({
    parameters: { ...pg.parameters, [FILES_SHA_PARAMETER]: filesSha256 },
    pgMajor: input.pgMajor,
    clusterName: cluster.name,
    port: input.port,
    listenAddresses: input.listenAddresses,
    paths: { socketDir: input.controller.run, logDir: input.controller.log, certificatesDir: input.controller.certificates },
    sharedPreloadLibraries: pg.sharedPreloadLibraries,
    ...archiveSettings(cluster, input.controller),
    enableAlterSystem: pg.enableAlterSystem,
    synchronousStandbyNames: syncStandbyNames(cluster, input.replication),
    synchronizedStandbySlots: standbySlots(cluster, input.replication, input.pgMajor),
    ...(pg.extensions ? { extensions: pg.extensions } : {}),
    tempTablespaces: temporaryTablespaces(cluster.spec.tablespaces),
    recoveryMinApplyDelaySeconds: isReplicaCluster(cluster) ? cluster.spec.replica?.minApplyDelaySeconds : undefined,
  });
  const postgresqlConfPath = join(pgData, PGDATA_FILES.postgresqlConf);
  // eslint-disable-next-line security/detect-non-literal-fs-filename -- PGDATA/postgresql.conf
  const includes = ensureIncludes(await readFile(postgresqlConfPath, 'utf8'));

  const changed: string[] = [];
  await writeCheckedFiles(
    [
      { path: join(pgData, PGDATA_FILES.hba), content: hba },
      { path: join(pgData, PGDATA_FILES.ident), content: ident },
      { path: join(pgData, PGDATA_FILES.override), content: override },
      { path: join(pgData, PGDATA_FILES.custom), content: custom.text },
      ...(includes.changed ? [{ path: postgresqlConfPath, content: includes.text }] : []),
    ],
    changed,
    input.validateFiles,
  );
  // The TLS files are not parsed by the check above: written after it (each write fsyncs), before any reload.
  const tlsResult = await writeTlsFiles(input.controller.certificates, tls);
  changed.push(...tlsResult.changedFiles.map((f) => join(input.controller.certificates, f)));
  return { changedFiles: changed, configSha256: custom.sha256, filesSha256, role };
}
