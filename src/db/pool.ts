// The only importer of `pg` (with the metrics and probe pools): small pools over the Unix socket, peer-authenticated as the postgres role.
import pg from 'pg';
import type { Logger } from '../log/logger.js';
import { sqlState } from './sql-text.js';

export interface DbTarget {
  socketDir: string;
  port: number;
  database?: string;
  user?: string;
}

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;

/** Socket, port, role and database of a target, with our application_name (overridable). */
export function connectionParams(target: DbTarget, applicationName = 'pg-instance-manager'): pg.ClientConfig {
  return {
    host: target.socketDir,
    port: target.port,
    user: target.user ?? 'postgres',
    database: target.database ?? 'postgres',
    application_name: applicationName,
  };
}

/**
 * A pool of at most `max` connections as in CNPG (pkg/management/postgres/pool): Unix socket, no TLS,
 * search_path pinned, synchronous_commit local. Pool `error` events are always handled.
 */
export function createPool(target: DbTarget, log: Logger, max = 3): Pool {
  const pool = new pg.Pool({
    ...connectionParams(target),
    max,
    idleTimeoutMillis: 10_000,
    connectionTimeoutMillis: 5_000,
    options: '-c search_path=pg_catalog,public,pg_temp -c synchronous_commit=local -c datestyle=ISO',
  });
  listenForErrors(pool, (err) => log.warn({ err: { message: err.message, code: sqlState(err) } }, 'idle database connection failed'));
  return pool;
}

/**
 * Hears every error a pool or its clients can emit. The pool's own listener covers idle clients, but a
 * client being ended (pool.end() after postgres died) has left the pool: its `write EPIPE` would be an
 * uncaught exception and take the manager down. So each client gets a listener of its own too.
 */
export function listenForErrors(pool: pg.Pool, onIdleError: (err: Error) => void): void {
  pool.on('error', onIdleError);
  pool.on('connect', (client) => client.on('error', () => undefined));
}

/** One query on a fresh single connection, for moments when no pool should linger (bootstrap, shutdown). */
export async function withClient<T>(target: DbTarget, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ ...connectionParams(target), connectionTimeoutMillis: 5_000 });
  // A server that dies between two queries makes the client emit 'error'; unheard, it would crash the
  // manager. The query in flight (or the next one) rejects with the error anyway.
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

export type Client = pg.Client;
