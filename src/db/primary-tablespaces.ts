// The primary's tablespaces, read before a clone: pg_basebackup writes each tablespace where the primary keeps
// it unless --tablespace-mapping says otherwise, and locally two instances never share a folder. Read as
// streaming_replica over an ordinary connection to the `postgres` database (pg_hba's cert line for it,
// CNPG's pg_rewind line), with the same certificate and server check as the replication probe.
import { replicaClient, type ReplicationTarget } from './replication-probe.js';

export interface PrimaryTablespace {
  oid: string;
  name: string;
  location: string;
}

/** The primary's user tablespaces (pg_default and pg_global have no location of their own). */
export async function primaryTablespaces(target: ReplicationTarget): Promise<PrimaryTablespace[]> {
  const client = await replicaClient(target, false);
  try {
    const result = await client.query<{ oid: string; spcname: string; location: string }>(
      "SELECT oid::text AS oid, spcname, pg_catalog.pg_tablespace_location(oid) AS location FROM pg_catalog.pg_tablespace WHERE pg_catalog.pg_tablespace_location(oid) <> '' ORDER BY spcname",
    );
    return result.rows.map((r) => ({ oid: r.oid, name: r.spcname, location: r.location }));
  } finally {
    await client.end().catch(() => undefined);
  }
}
