// The SQL of a promotion (CNPG pkg/management/postgres/promote.go, instance_controller.go): whether this
// standby's WAL receiver still runs, pg_promote with a bounded wait, CHECKPOINT, and ending client sessions.
import type { Client } from './pool.js';

/** Rows of pg_stat_wal_receiver: 0 once this standby has stopped streaming (the old primary is gone or stopped). */
export async function walReceiverCount(client: Client): Promise<number> {
  const res = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_catalog.pg_stat_wal_receiver');
  return res.rows[0]?.n ?? 0;
}

/** Whether the server is still in recovery (a standby). */
export async function inRecovery(client: Client): Promise<boolean> {
  const res = await client.query<{ r: boolean }>('SELECT pg_catalog.pg_is_in_recovery() AS r');
  return res.rows[0]?.r === true;
}

/**
 * pg_promote(wait => true, wait_seconds): true once promoted within the wait, false when the wait ran out
 * (https://www.postgresql.org/docs/15/functions-admin.html#FUNCTIONS-RECOVERY-CONTROL).
 */
export async function promote(client: Client, waitSeconds: number): Promise<boolean> {
  const res = await client.query<{ ok: boolean }>('SELECT pg_catalog.pg_promote(true, $1::int) AS ok', [waitSeconds]);
  return res.rows[0]?.ok === true;
}

/** CHECKPOINT: the new timeline reaches pg_control, which pg_rewind of the old primary reads. */
export async function checkpoint(client: Client): Promise<void> {
  await client.query('CHECKPOINT');
}

/** Ends every client backend but ours (CNPG DropConnections after a promotion): clients reconnect to the new primary. */
export async function terminateClientBackends(client: Client): Promise<number> {
  const res = await client.query<{ n: number }>(
    `SELECT count(pg_catalog.pg_terminate_backend(pid))::int AS n FROM pg_catalog.pg_stat_activity
     WHERE backend_type = 'client backend' AND pid <> pg_catalog.pg_backend_pid()
       AND coalesce(application_name, '') NOT LIKE 'pg-instance-manager%'`,
  );
  return res.rows[0]?.n ?? 0;
}
