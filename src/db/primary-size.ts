// How much a clone of the primary will copy, asked as streaming_replica over an ordinary connection to the
// `postgres` database (the pg_hba cert line CNPG keeps for pg_rewind): the sum of the database sizes, which covers
// every tablespace. pg_basebackup -P would have the server walk PGDATA for the same figure before it sends a byte
// (CNPG's join does not pass -P either); this is an estimate for the progress log, read beside the copy.
import { replicaClient, type ReplicationTarget } from './replication-probe.js';

/** Bytes of the primary's databases that streaming_replica may see (CONNECT), or undefined when unknown. */
export async function primaryDataBytes(target: ReplicationTarget): Promise<number | undefined> {
  const client = await replicaClient(target, false);
  try {
    const result = await client.query<{ bytes: string | null }>(
      "SELECT pg_catalog.sum(pg_catalog.pg_database_size(oid))::text AS bytes FROM pg_catalog.pg_database WHERE pg_catalog.has_database_privilege(oid, 'CONNECT')",
    );
    const bytes = Number(result.rows[0]?.bytes ?? NaN);
    return Number.isFinite(bytes) && bytes > 0 ? bytes : undefined;
  } finally {
    await client.end().catch(() => undefined);
  }
}
