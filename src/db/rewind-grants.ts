// What pg_rewind needs from the role it connects as on the source (the new primary), when that role is not a
// superuser (https://www.postgresql.org/docs/15/app-pgrewind.html, "Notes"): EXECUTE on the file functions it
// reads the source's data directory with. CNPG grants them to streaming_replica at initdb
// (pkg/management/postgres/initdb.go); here on every primary start, so a PGDATA made before is covered too.
// The grants reach the replicas through WAL, so a promoted replica has them.
import type { Client, PoolClient } from './pool.js';

type Queryable = Client | PoolClient;

const FUNCTIONS = ['pg_ls_dir(text, boolean, boolean)', 'pg_stat_file(text, boolean)', 'pg_read_binary_file(text)', 'pg_read_binary_file(text, bigint, bigint, boolean)'];

/** Grants streaming_replica what pg_rewind needs (idempotent). */
export async function grantRewindFunctions(db: Queryable): Promise<void> {
  for (const fn of FUNCTIONS) await db.query(`GRANT EXECUTE ON FUNCTION pg_catalog.${fn} TO streaming_replica`);
}
