// How many client sessions a smart shutdown will wait for: postgres's smart mode lets every client backend
// finish (PostgreSQL docs, "Shutting Down the Server"), so the manager says how many there are before it waits.
import type { Client } from './pool.js';

/** Client backends other than this session and the manager's own pools (application_name pg-instance-manager*). */
export async function countClientSessions(client: Client): Promise<number> {
  const res = await client.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_catalog.pg_stat_activity
     WHERE backend_type = 'client backend' AND pid <> pg_catalog.pg_backend_pid()
       AND coalesce(application_name, '') NOT LIKE 'pg-instance-manager%'`,
  );
  return res.rows[0]?.n ?? 0;
}
