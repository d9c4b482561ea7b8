// The argv of a logical import's pg_dump and pg_restore, as CNPG builds them
// (pkg/management/postgres/logicalimport/database.go, section.go): pg_dump in directory format with the
// sections to export, then the user's extra options; pg_restore once per section, the section's own options
// (or the generic ones) first. Pure: spec in, argv out.
import { basename, dirname, join } from 'node:path';
import { externalConninfo } from '../pgfiles/external-conninfo.js';
import { renderConninfo } from '../pgfiles/replica-conf.js';
import type { ExternalConnection, ImportSpec } from '../spec/cluster.js';

export type Section = 'pre-data' | 'data' | 'post-data';

/** The sections to dump and restore: without `data` when schemaOnly (getSectionsToExecute). */
export function importSections(spec: Pick<ImportSpec, 'schemaOnly'>): Section[] {
  return spec.schemaOnly ? ['pre-data', 'post-data'] : ['pre-data', 'data', 'post-data'];
}

/** The dump folder of one database inside the dumps folder (generateFileNameForDatabase). */
export function dumpPath(dumpsDir: string, database: string): string {
  // A database name may hold a "/" or be "..": hex keeps the folder inside dumpsDir whatever it is.
  return join(dumpsDir, `${Buffer.from(database, 'utf8').toString('hex')}.dump`);
}

/**
 * The conninfo of the import's source (external.ConfigureConnectionToServer): connectionParameters as
 * written, the TLS files and the password file the reconciler wrote under `<externalDir>/<name>/`, and the
 * database to connect to in place of any dbname of the parameters (getConnectionPoolerForExternalCluster).
 */
export function sourceConninfo(c: ExternalConnection, serverDir: string, database: string): string {
  return externalConninfo({
    externalDir: dirname(serverDir),
    name: basename(serverDir),
    connectionParameters: c.parameters,
    sslCert: c.sslCert,
    sslKey: c.sslKey,
    sslRootCert: c.sslRootCert,
    hasPassword: c.password !== undefined,
    dbname: database,
  });
}

/** The conninfo of this instance over its Unix socket, as the postgres role. */
export function localConninfo(socketDir: string, port: number, database: string): string {
  return renderConninfo([['host', socketDir], ['port', String(port)], ['user', 'postgres'], ['dbname', database]]);
}

/** pg_dump -Fd -f DIR -d CONNINFO -v [--section=...] EXTRA (exportDatabases). */
export function pgDumpArgs(spec: ImportSpec, conninfo: string, into: string): string[] {
  const sections = importSections(spec).map((s) => `--section=${s}`);
  return ['-Fd', '-f', into, '-d', conninfo, '-v', ...sections, ...spec.pgDumpExtraOptions];
}

/** The pg_restore options of one section: its own list when set, else pgRestoreExtraOptions (sectionOptions.forSection). */
export function sectionOptions(spec: ImportSpec, section: Section): string[] {
  const own = section === 'pre-data' ? spec.pgRestorePredataOptions : section === 'data' ? spec.pgRestoreDataOptions : spec.pgRestorePostdataOptions;
  return own.length > 0 ? own : spec.pgRestoreExtraOptions;
}

/** Microservice: into the application database, objects owned by the owner (importDatabaseContent). */
export function microserviceRestoreArgs(spec: ImportSpec, section: Section, owner: string, target: string, from: string): string[] {
  return [...sectionOptions(spec, section), '-U', 'postgres', '--no-owner', '--no-privileges', `--role=${owner}`, '-d', target, '--section', section, from];
}

/**
 * Monolith: each database as it was; `--create` through the postgres database when it does not exist yet
 * (importDatabases).
 */
export function monolithRestoreArgs(spec: ImportSpec, section: Section, exists: boolean, target: string, from: string): string[] {
  return [...(exists ? [] : ['--create']), ...sectionOptions(spec, section), '-U', 'postgres', '-d', target, '--section', section, from];
}
