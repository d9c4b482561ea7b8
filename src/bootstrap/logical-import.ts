// spec.bootstrap.initdb.import: after the bootstrap SQL, a logical copy of the external cluster's databases
// (CNPG pkg/management/postgres/logicalimport/microservice.go, monolith.go): pg_dump in directory format into
// a folder beside PGDATA, pg_restore section by section into this instance, then ANALYZE. It runs while the
// bootstrap marker still says `initdb` (init-step.ts): a failed or interrupted import leaves a PGDATA the next
// start throws away and bootstraps again, never a half-imported cluster that starts as if complete. The dump
// folder carries initdb's temporary prefix, so one left by a manager killed outright goes with initdb's leftovers.
import { mkdir, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import type { Logger } from '../log/logger.js';
import { withClient, type DbTarget } from '../db/pool.js';
import { quoteIdent } from '../db/sql-text.js';
import { wrap } from '../errors.js';
import type { ImportSpec, InitdbSpec } from '../spec/cluster.js';
import type { ChildRegistry } from '../supervisor/child-registry.js';
import { dumpPath, importSections, localConninfo, microserviceRestoreArgs, monolithRestoreArgs, pgDumpArgs, sourceConninfo } from './import-args.js';
import { runImportTool, sourceJson, type ImportTools } from './import-tools.js';
import { initdbTempPrefix } from './initdb-leftovers.js';
import { importRoles } from './import-roles-apply.js';

export interface LogicalImportOptions {
  pgBin: string;
  pgData: string;
  /** This instance over its Unix socket, as postgres. */
  target: DbTarget & { socketDir: string; port: number };
  spec: InitdbSpec & { import: ImportSpec };
  /** <controller>/external: the source's passfile and TLS files are in <externalDir>/<source>/. */
  externalDir: string;
  registry: ChildRegistry;
  log: Logger;
  signal: AbortSignal;
  timeoutMs?: number;
}

// The databases a monolith "*" imports (getDatabaseList).
const DATABASES_QUERY = `SELECT coalesce(json_agg(datname ORDER BY datname), '[]') FROM pg_catalog.pg_database
 WHERE datallowconn AND NOT datistemplate AND datname != 'postgres'`;

/** Runs the import; on failure rejects naming the step, with the dump folder removed either way. */
export async function runLogicalImport(o: LogicalImportOptions): Promise<void> {
  const imp = o.spec.import;
  const tools: ImportTools = { pgBin: o.pgBin, registry: o.registry, log: o.log, signal: o.signal, timeoutMs: o.timeoutMs ?? 24 * 3_600_000 };
  const serverDir = join(o.externalDir, imp.source);
  const source = (database: string): string => sourceConninfo(imp.connection, serverDir, database);
  const dumps = join(dirname(o.pgData), `${initdbTempPrefix(o.pgData)}dumps-${randomBytes(4).toString('hex')}`);
  const started = Date.now();
  o.log.info({ type: imp.type, source: imp.source, databases: imp.databases, schemaOnly: imp.schemaOnly }, 'logical import started');
  // eslint-disable-next-line security/detect-non-literal-fs-filename -- a sibling of PGDATA
  await mkdir(dumps, { mode: 0o700 });
  try {
    if (imp.type === 'microservice') await microservice(o, tools, source, dumps);
    else await monolith(o, tools, source, dumps);
  } finally {
    await rm(dumps, { recursive: true, force: true, maxRetries: 3 });
  }
  o.log.info({ type: imp.type, source: imp.source, durationMs: Date.now() - started }, 'logical import complete');
}

async function dump(o: LogicalImportOptions, tools: ImportTools, source: (db: string) => string, dumps: string, database: string): Promise<string> {
  const into = dumpPath(dumps, database);
  o.log.info({ database, source: o.spec.import.source }, 'pg_dump started');
  await runImportTool(tools, 'pg_dump', pgDumpArgs(o.spec.import, source(database), into), `database "${database}" of externalClusters "${o.spec.import.source}"`);
  return into;
}

async function microservice(o: LogicalImportOptions, tools: ImportTools, source: (db: string) => string, dumps: string): Promise<void> {
  const { database: appDb, owner } = o.spec;
  const imp = o.spec.import;
  const from = await dump(o, tools, source, dumps, imp.databases[0] ?? '');
  const app = { ...o.target, database: appDb };
  await withClient(app, async (client) => {
    // pg_restore runs CREATE EXTENSION itself: the extensions template1 gave the new database go first
    // (dropExtensionsFromDatabase; FirstNormalObjectId 16384: the system's own, plpgsql, stay).
    const exts = await client.query<{ extname: string }>('SELECT extname FROM pg_catalog.pg_extension WHERE oid >= 16384');
    for (const { extname } of exts.rows) {
      await client.query(`DROP EXTENSION ${quoteIdent(extname)}`).catch((err: unknown) => o.log.info({ extension: extname, err: String(err) }, 'cannot drop extension before the import'));
    }
    // CREATE EXTENSION and COMMENT ON EXTENSION need a superuser: the owner is one only during the restore.
    await client.query(`ALTER ROLE ${quoteIdent(owner)} SUPERUSER`);
    try {
      for (const section of importSections(imp)) {
        const args = microserviceRestoreArgs(imp, section, owner, localConninfo(o.target.socketDir, o.target.port, appDb), from);
        await runImportTool(tools, 'pg_restore', args, `section ${section} into database "${appDb}"`);
      }
    } finally {
      await client.query(`ALTER ROLE ${quoteIdent(owner)} NOSUPERUSER`);
    }
    for (const [index, sql] of imp.postImportApplicationSQL.entries()) {
      await client.query(sql).catch((err: unknown) => {
        throw wrap('BOOTSTRAP', `spec.bootstrap.initdb.import.postImportApplicationSQL[${index}] failed`, err);
      });
    }
    if (imp.postImportApplicationSQL.length) o.log.info({ count: imp.postImportApplicationSQL.length }, 'post-import SQL applied');
    await client.query('ANALYZE');
  });
}

async function monolith(o: LogicalImportOptions, tools: ImportTools, source: (db: string) => string, dumps: string): Promise<void> {
  const imp = o.spec.import;
  if (imp.roles.length > 0) await importRoles({ ...o, tools, sourceConninfo: source('postgres') });
  const databases = imp.databases.includes('*') ? await sourceJson<string[]>(tools, source('postgres'), DATABASES_QUERY, 'the list of databases') : imp.databases;
  o.log.info({ databases }, 'databases to import');
  const files = new Map<string, string>();
  for (const database of databases) files.set(database, await dump(o, tools, source, dumps, database));
  for (const database of databases) {
    for (const section of importSections(imp)) {
      const exists = await withClient({ ...o.target, database: 'postgres' }, async (c) => (await c.query('SELECT 1 FROM pg_catalog.pg_database WHERE datname = $1', [database])).rowCount === 1);
      // A database that does not exist yet is created by pg_restore --create, connected to postgres.
      const target = localConninfo(o.target.socketDir, o.target.port, exists ? database : 'postgres');
      await runImportTool(tools, 'pg_restore', monolithRestoreArgs(imp, section, exists, target, files.get(database) ?? ''), `section ${section} of database "${database}"`);
    }
  }
  for (const database of databases) await withClient({ ...o.target, database }, (c) => c.query('ANALYZE'));
}
