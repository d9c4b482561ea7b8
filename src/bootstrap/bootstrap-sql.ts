// The SQL half of an initdb bootstrap, run on the first start of a new PGDATA, in CNPG's order
// (pkg/management/postgres/initdb.go, ConfigureNewInstance): on `postgres` postInitSQL then postInitSQLRefs;
// the application owner; on template1 postInitTemplateSQL then postInitTemplateSQLRefs; the application
// database; on it postInitApplicationSQL then postInitApplicationSQLRefs (each ref file is one multi-statement
// query, as CNPG runs it). The owner's password
// follows at once, from the app Secret, through the password reconciler.
// The system roles (streaming_replica, cnpg_metrics_exporter) are ensured on every start, not here.
import type { Logger } from '../log/logger.js';
import { withClient, type DbTarget, type Client } from '../db/pool.js';
import { ensureDatabase, ensureLoginRole } from '../db/roles.js';
import type { InitdbSpec } from '../spec/cluster.js';
import { wrap } from '../errors.js';
import type { ResolvedSqlRefs, SqlRefScript } from './sql-refs.js';

const NO_REFS: ResolvedSqlRefs = { postInitSQLRefs: [], postInitTemplateSQLRefs: [], postInitApplicationSQLRefs: [] };

async function runList(client: Client, statements: readonly string[], what: string, log: Logger): Promise<void> {
  for (const [index, sql] of statements.entries()) {
    try {
      await client.query(sql);
    } catch (err) {
      // The statement text is the user's and may hold anything: name its index, not its text.
      throw wrap('BOOTSTRAP', `spec.bootstrap.initdb.${what}[${index}] failed`, err);
    }
  }
  if (statements.length) log.info({ count: statements.length, list: what }, 'post-init SQL applied');
}

async function runScripts(client: Client, scripts: readonly SqlRefScript[], log: Logger): Promise<void> {
  for (const script of scripts) {
    try {
      await client.query(script.sql);
    } catch (err) {
      throw wrap('BOOTSTRAP', `${script.field} failed`, err);
    }
    log.info({ ref: script.field }, 'post-init SQL ref applied');
  }
}

export interface BootstrapSqlInput {
  target: DbTarget;
  spec: InitdbSpec;
  log: Logger;
  /** False when finishing an interrupted bootstrap whose SQL has run: only the owner and database are ensured. */
  postInitLists?: boolean;
  /** The postInit*SQLRefs, read beforehand (sql-refs.ts). */
  refs?: ResolvedSqlRefs;
}

/**
 * Runs the bootstrap SQL against a freshly initialised, running server: one session on `postgres` for the
 * whole run, plus a short one on template1 and on the application database when their lists are not empty.
 */
export async function runBootstrapSql({ target, spec, log, postInitLists = true, refs = NO_REFS }: BootstrapSqlInput): Promise<void> {
  await withClient({ ...target, database: 'postgres' }, async (client) => {
    if (postInitLists) {
      await runList(client, spec.postInitSQL, 'postInitSQL', log);
      await runScripts(client, refs.postInitSQLRefs, log);
    }
    await ensureLoginRole(client, spec.owner);
    if (postInitLists && spec.postInitTemplateSQL.length + refs.postInitTemplateSQLRefs.length > 0) {
      await withClient({ ...target, database: 'template1' }, async (t1) => {
        await runList(t1, spec.postInitTemplateSQL, 'postInitTemplateSQL', log);
        await runScripts(t1, refs.postInitTemplateSQLRefs, log);
      });
    }
    await ensureDatabase(client, spec.database, spec.owner);
  });
  if (postInitLists && spec.postInitApplicationSQL.length + refs.postInitApplicationSQLRefs.length > 0) {
    await withClient({ ...target, database: spec.database }, async (client) => {
      await runList(client, spec.postInitApplicationSQL, 'postInitApplicationSQL', log);
      await runScripts(client, refs.postInitApplicationSQLRefs, log);
    });
  }
  log.info({ database: spec.database, owner: spec.owner }, 'application database and owner created');
}
