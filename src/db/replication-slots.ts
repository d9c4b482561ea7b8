// Physical replication slots: list, create, drop, advance (https://www.postgresql.org/docs/current/functions-admin.html#FUNCTIONS-REPLICATION).
// CNPG: internal/management/controller/slots/infrastructure/postgresmanager.go. Temporary slots (pg_basebackup's
// own) are never listed, so never touched.
import type pg from 'pg';

/** What can run a query: a pool, a pooled session or a client. */
export type Queryable = Pick<pg.Pool, 'query'> | Pick<pg.Client, 'query'>;

export interface SlotState {
  name: string;
  active: boolean;
  /** '' when the slot reserves no WAL yet (created with immediately_reserve = false, nobody connected). */
  restartLsn: string;
  /** It holds xmin or catalog_xmin (hot_standby_feedback of a standby that streamed from it). */
  holdsXmin: boolean;
}

/** The persistent physical slots of the server. */
export async function listPhysicalSlots(db: Queryable): Promise<SlotState[]> {
  const res = await db.query<SlotState>(`
    SELECT slot_name::text AS name, active, coalesce(restart_lsn::text, '') AS "restartLsn",
           (xmin IS NOT NULL OR catalog_xmin IS NOT NULL) AS "holdsXmin"
    FROM pg_catalog.pg_replication_slots WHERE slot_type = 'physical' AND NOT temporary ORDER BY slot_name`);
  return res.rows;
}

/** Creates a physical slot; `reserve` = immediately_reserve (false on the primary: WAL is held once the standby connects). */
export async function createPhysicalSlot(db: Queryable, name: string, reserve: boolean): Promise<void> {
  await db.query('SELECT pg_catalog.pg_create_physical_replication_slot($1, $2)', [name, reserve]);
}

/** Drops a slot (an active one fails with 55006, object_in_use). */
export async function dropSlot(db: Queryable, name: string): Promise<void> {
  await db.query('SELECT pg_catalog.pg_drop_replication_slot($1)', [name]);
}

/** Moves a slot forward to `lsn` (on a standby postgres caps it at the replay position). */
export async function advanceSlot(db: Queryable, name: string, lsn: string): Promise<void> {
  await db.query('SELECT pg_catalog.pg_replication_slot_advance($1, $2::pg_lsn)', [name, lsn]);
}
