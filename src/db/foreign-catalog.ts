// The foreign data wrappers and foreign servers of a database as they are (CNPG database_controller_sql.go
// getDatabaseFDWInfo, getDatabaseForeignServerInfo). Options are read with pg_options_to_table, not split on
// '=' by hand; the roles holding USAGE come from the ACL, with the owner's implicit grant when the ACL is
// still the default (acldefault: 'F' wrapper, 'S' server), so a GRANT already in place is not sent again.
// https://www.postgresql.org/docs/15/catalog-pg-foreign-data-wrapper.html, catalog-pg-foreign-server.html
import type { Client, PoolClient } from './pool.js';

type Queryable = Client | PoolClient;

/** A foreign data wrapper as it is; handler/validator are function names, "-" for none. */
export interface ExistingFdw {
  owner: string;
  handler: string;
  validator: string;
  options: Map<string, string>;
  /** Roles holding USAGE, "PUBLIC" for every role. */
  usage: Set<string>;
}

/** A foreign server as it is. */
export interface ExistingServer {
  fdw: string;
  options: Map<string, string>;
  usage: Set<string>;
}

const OPTIONS = (column: string): string =>
  `COALESCE((SELECT pg_catalog.json_agg(pg_catalog.json_build_array(o.option_name, o.option_value)) FROM pg_catalog.pg_options_to_table(${column}) o), '[]') AS options`;
const USAGE = (acl: string, kind: string, owner: string): string =>
  `ARRAY(SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_catalog.pg_get_userbyid(a.grantee)::text END
           FROM pg_catalog.aclexplode(COALESCE(${acl}, pg_catalog.acldefault('${kind}', ${owner}))) a WHERE a.privilege_type = 'USAGE') AS usage`;

interface Row {
  options: [string, string][];
  usage: string[];
}

/** The wrapper `name`, or undefined when there is none. */
export async function readFdw(db: Queryable, name: string): Promise<ExistingFdw | undefined> {
  const res = await db.query<Row & { owner: string; handler: string; validator: string }>(
    `SELECT pg_catalog.pg_get_userbyid(w.fdwowner) AS owner,
            COALESCE((SELECT p.proname::text FROM pg_catalog.pg_proc p WHERE p.oid = w.fdwhandler), '-') AS handler,
            COALESCE((SELECT p.proname::text FROM pg_catalog.pg_proc p WHERE p.oid = w.fdwvalidator), '-') AS validator,
            ${OPTIONS('w.fdwoptions')}, ${USAGE('w.fdwacl', 'F', 'w.fdwowner')}
       FROM pg_catalog.pg_foreign_data_wrapper w WHERE w.fdwname = $1`,
    [name],
  );
  const r = res.rows[0];
  return r && { owner: r.owner, handler: r.handler, validator: r.validator, options: new Map(r.options), usage: new Set(r.usage) };
}

/** The server `name`, or undefined when there is none. */
export async function readServer(db: Queryable, name: string): Promise<ExistingServer | undefined> {
  const res = await db.query<Row & { fdw: string }>(
    `SELECT w.fdwname AS fdw, ${OPTIONS('s.srvoptions')}, ${USAGE('s.srvacl', 'S', 's.srvowner')}
       FROM pg_catalog.pg_foreign_server s JOIN pg_catalog.pg_foreign_data_wrapper w ON w.oid = s.srvfdw WHERE s.srvname = $1`,
    [name],
  );
  const r = res.rows[0];
  return r && { fdw: r.fdw, options: new Map(r.options), usage: new Set(r.usage) };
}

/** True when the foreign data wrapper exists. */
export async function fdwExists(db: Queryable, name: string): Promise<boolean> {
  const res = await db.query('SELECT 1 FROM pg_catalog.pg_foreign_data_wrapper WHERE fdwname = $1', [name]);
  return (res.rowCount ?? 0) > 0;
}
