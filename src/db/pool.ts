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

/**
 * Every connection parameter node-postgres would otherwise take from libpq's variables (PGHOST, PGUSER,
 * PGSSLMODE, PGOPTIONS, PGAPPNAME, PGPASSWORD, PGSSLNEGOTIATION...; lib/connection-parameters.js in pg 8),
 * set by us. It reads a variable whenever our value is absent or falsy, so every value here is truthy:
 * PGSSLMODE=prefer (libpq's default, often exported) would otherwise send an SSLRequest on the Unix socket
 * and fail with "The server does not support SSL connections".
 */
export type InternalClientConfig = pg.ClientConfig & {
  host: string;
  user: string;
  database: string;
  application_name: string;
  options: string;
  /** Read from PGREPLICATION when falsy; "false" is a normal session (postgres parses it as a boolean). */
  replication: 'false';
};

/** An error, never a password lookup (PGPASSWORD, PGPASSFILE, ~/.pgpass): the socket uses peer authentication. */
function noPassword(): Promise<string> {
  return Promise.reject(new Error('postgres asked the instance manager for a password on its Unix socket: peer authentication is expected (pg_hba.conf local lines)'));
}

/**
 * Socket, port, role and database of a target, with our application_name (overridable) and `-c` settings
 * appended to the startup options. client_encoding is UTF8, the only encoding node-postgres decodes.
 */
export function connectionParams(target: DbTarget, applicationName = 'pg-instance-manager', settings = ''): InternalClientConfig {
  return {
    host: target.socketDir,
    port: target.port,
    user: target.user ?? 'postgres',
    database: target.database ?? 'postgres',
    password: noPassword,
    application_name: applicationName,
    ssl: false,
    sslnegotiation: 'postgres',
    client_encoding: 'UTF8',
    replication: 'false',
    options: `-c client_encoding=UTF8${settings === '' ? '' : ` ${settings}`}`,
    connectionTimeoutMillis: 5_000,
  };
}

/**
 * A pool of at most `max` connections as in CNPG (pkg/management/postgres/pool): Unix socket, no TLS,
 * search_path pinned, synchronous_commit local. Pool `error` events are always handled.
 */
export function createPool(target: DbTarget, log: Logger, max = 3): Pool {
  const pool = new pg.Pool({
    ...connectionParams(target, undefined, '-c search_path=pg_catalog,public,pg_temp -c synchronous_commit=local -c datestyle=ISO'),
    max,
    idleTimeoutMillis: 10_000,
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

/**
 * One query on a fresh single connection, for moments when no pool should linger (bootstrap, shutdown,
 * promotion). synchronous_commit is local, as in the pool: the manager's own writes (the bootstrap SQL of a
 * first primary whose replicas do not exist yet, with dataDurability: required) never wait for a standby.
 */
export async function withClient<T>(target: DbTarget, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client(connectionParams(target, undefined, '-c synchronous_commit=local'));
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
