// The tablespaces in the database and the two statements the tablespace reconciler runs (CNPG
// internal/management/controller/tablespaces/infrastructure/postgres.go List, Create, Update). CREATE
// TABLESPACE cannot run in a transaction block: each statement goes alone through the pool (autocommit).
import type { Pool } from './pool.js';
import { quoteIdent, quoteLiteral } from './sql-text.js';

export interface DbTablespace {
  name: string;
  owner: string;
}

/** The user tablespaces (pg_default and pg_global are PostgreSQL's own). */
export async function listTablespaces(pool: Pool): Promise<DbTablespace[]> {
  const result = await pool.query<{ name: string; owner: string | null }>(
    "SELECT spcname AS name, pg_catalog.pg_get_userbyid(spcowner) AS owner FROM pg_catalog.pg_tablespace WHERE spcname NOT IN ('pg_default', 'pg_global') ORDER BY spcname",
  );
  return result.rows.map((r) => ({ name: r.name, owner: r.owner ?? '' }));
}

/** CREATE TABLESPACE name [OWNER owner] LOCATION 'location'. */
export async function createTablespace(pool: Pool, name: string, owner: string | undefined, location: string): Promise<void> {
  const ownerClause = owner === undefined ? '' : ` OWNER ${quoteIdent(owner)}`;
  await pool.query(`CREATE TABLESPACE ${quoteIdent(name)}${ownerClause} LOCATION ${quoteLiteral(location)}`);
}

/** ALTER TABLESPACE name OWNER TO owner. */
export async function alterTablespaceOwner(pool: Pool, name: string, owner: string): Promise<void> {
  await pool.query(`ALTER TABLESPACE ${quoteIdent(name)} OWNER TO ${quoteIdent(owner)}`);
}

/** How many standbys stream from this server or keep a physical slot here (a replica that will replay WAL). */
export async function replicaCount(pool: Pool): Promise<number> {
  const result = await pool.query<{ n: number }>(
    "SELECT ((SELECT count(*) FROM pg_catalog.pg_stat_replication) + (SELECT count(*) FROM pg_catalog.pg_replication_slots WHERE slot_type = 'physical'))::int AS n",
  );
  return result.rows[0]?.n ?? 0;
}
