// Database access for the status server (:8000): a small dedicated pool whose every step is bounded, so a
// slow or frozen postgres makes a probe fail in time instead of hanging it (https://github.com/cloudnative-pg/cloudnative-pg/issues/6599), and an
// in-process pg_isready that never spawns a process per probe.
import pg from 'pg';
import type { Logger } from '../log/logger.js';
import type { DbTarget, Pool } from './pool.js';
import { connectionParams, listenForErrors } from './pool.js';
import { sqlState } from './sql-text.js';

export interface ProbePoolOptions {
  /** Upper bound for connect, queue wait and each query, in ms (the probe deadline). */
  timeoutMs: number;
  /** Server-side statement_timeout: the longest deadline of any caller (a query may pass a longer query_timeout). */
  statementTimeoutMs?: number;
  max?: number;
}

/**
 * At most `max` (2) connections, apart from the reconciler's pool, so probes never queue behind a reload.
 * statement_timeout bounds the server side; query_timeout bounds a server that does not answer at all (a
 * client whose query timed out is destroyed by pg's Pool, never reused).
 */
export function createProbePool(target: DbTarget, log: Logger, options: ProbePoolOptions): Pool {
  const pool = new pg.Pool({
    ...connectionParams(target, 'pg-instance-manager-status', '-c search_path=pg_catalog,public,pg_temp -c datestyle=ISO -c lock_timeout=500'),
    max: options.max ?? 2,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: options.timeoutMs,
    query_timeout: options.timeoutMs,
    statement_timeout: options.statementTimeoutMs ?? options.timeoutMs,
  });
  listenForErrors(pool, (err) => log.debug({ err: { message: err.message, code: sqlState(err) } }, 'idle status connection failed'));
  return pool;
}

/** pg_isready's answers (libpq PGPing): server up, up but rejecting connections, no answer. */
export type PingResult = 'ok' | 'reject' | 'no-response';

/** SQLSTATE 57P03 cannot_connect_now: starting up, shutting down or in crash recovery. */
const CANNOT_CONNECT_NOW = '57P03';

/**
 * libpq's PQping (`pg_isready -U postgres -d postgres`) in-process: any answer from the server other than
 * "cannot connect now" means it is up, even an authentication error (src/interfaces/libpq/fe-connect.c,
 * internal_ping). No answer within `timeoutMs` is 'no-response'.
 */
export async function pingPostgres(target: DbTarget, timeoutMs: number): Promise<PingResult> {
  const client = new pg.Client({
    ...connectionParams(target, 'pg_isready'),
    connectionTimeoutMillis: timeoutMs,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return 'ok';
  } catch (err) {
    const code = sqlState(err);
    if (code === undefined) return 'no-response';
    return code === CANNOT_CONNECT_NOW ? 'reject' : 'ok';
  } finally {
    void client.end().catch(() => undefined);
  }
}

/** One bounded round trip on the probe pool (the query strategy of CNPG's probes). */
export async function pingPool(pool: Pool): Promise<void> {
  await pool.query('SELECT 1');
}
