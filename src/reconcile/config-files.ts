// Renders and writes everything postgres reads from disk for one version of the Cluster: TLS files,
// pg_hba.conf, pg_ident.conf, custom.conf and the includes in postgresql.conf. Reports what changed
// and the two hashes a reload must make the server report.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PGDATA_FILES } from '../config/constants.js';
import type { ControllerPaths } from '../config/constants.js';
import { ManagerError, wrap } from '../errors.js';
import { renderCustomConf } from '../pgfiles/custom-conf.js';
import { renderPgHba } from '../pgfiles/hba.js';
import { expandPodSelectors } from '../pgfiles/hba-podselector.js';
import { renderPgIdent } from '../pgfiles/ident.js';
import { ensureIncludes } from '../pgfiles/postgresql-conf.js';
import { writeFileAtomic } from '../files/write-file-atomic.js';
import type { Cluster } from '../spec/cluster.js';
import type { SpecSource } from '../source/spec-source.js';
import { renderTlsFiles, writeTlsFiles, type TlsFile } from '../tls/tls-files.js';

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
}

export interface ConfigFilesInput extends ConfigFilesContext {
  cluster: Cluster;
  /** With a running server: parse errors of the auth files now on disk (pg_hba_file_rules). */
  validateAuthFiles?: () => Promise<string[]>;
}

export interface ConfigFilesResult {
  changedFiles: string[];
  configSha256: string;
  filesSha256: string;
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

/**
 * Writes pg_hba.conf and pg_ident.conf first and, when postgres runs, asks it to parse them: on an error
 * the previous files are put back and nothing else is written, so the rules in force and on disk agree.
 */
async function writeAuthFiles(pgData: string, hba: string, ident: string, changed: string[], validate?: () => Promise<string[]>): Promise<void> {
  const hbaPath = join(pgData, PGDATA_FILES.hba);
  const identPath = join(pgData, PGDATA_FILES.ident);
  const before = await Promise.all([readOrUndefined(hbaPath), readOrUndefined(identPath)]);
  const mine: string[] = [];
  await Promise.all([write(hbaPath, hba, mine), write(identPath, ident, mine)]);
  if (mine.length > 0 && validate) {
    const errors = await validate();
    if (errors.length > 0) {
      if (before[0] !== undefined) await writeFileAtomic(hbaPath, before[0], 0o600);
      if (before[1] !== undefined) await writeFileAtomic(identPath, before[1], 0o600);
      throw new ManagerError('CONFIG_WRITE', `PostgreSQL refuses the new authentication rules (${errors.join('; ')}); the previous files were restored`);
    }
  }
  changed.push(...mine);
}

/** Renders and atomically writes the files; nothing is written when rendering fails. */
export async function writeConfigFiles(input: ConfigFilesInput): Promise<ConfigFilesResult> {
  const { cluster, pgData } = input;
  const pg = cluster.spec.postgresql;
  // Render everything first: a bad Secret must not leave half the files updated.
  const tls = await tlsFiles(cluster, input.source);
  const bindPassword = await ldapBindPassword(cluster, input.source);
  const hba = renderPgHba({ userRules: expandPodSelectors(pg.pgHba, podSelectorIps(cluster)), ldap: pg.ldap ? { spec: pg.ldap, bindPassword } : undefined, pgMajor: input.pgMajor });
  const ident = renderPgIdent({ osUser: input.osUser, userRules: pg.pgIdent });
  const files = createHash('sha256').update(hba).update('\0').update(ident);
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
    archiveMode: 'off',
    enableAlterSystem: pg.enableAlterSystem,
  });
  const postgresqlConfPath = join(pgData, PGDATA_FILES.postgresqlConf);
  // eslint-disable-next-line security/detect-non-literal-fs-filename -- PGDATA/postgresql.conf
  const includes = ensureIncludes(await readFile(postgresqlConfPath, 'utf8'));

  const changed: string[] = [];
  await writeAuthFiles(pgData, hba, ident, changed, input.validateAuthFiles);
  // The rest is independent: written side by side (each write fsyncs), before any reload reads them.
  const [tlsResult] = await Promise.all([
    writeTlsFiles(input.controller.certificates, tls),
    write(join(pgData, PGDATA_FILES.override), '', changed),
    write(join(pgData, PGDATA_FILES.custom), custom.text, changed),
    includes.changed ? write(postgresqlConfPath, includes.text, changed) : undefined,
  ]);
  changed.push(...tlsResult.changedFiles.map((f) => join(input.controller.certificates, f)));
  return { changedFiles: changed, configSha256: custom.sha256, filesSha256 };
}
