// The metrics exporter's own connections: one small pool per database, as `cnpg_metrics_exporter` over the
// Unix socket (peer authentication through the fixed pg_hba/pg_ident lines), separate from the superuser pool.
// Every value comes back as raw text with its type OID, so the metrics side converts without building Dates
// or BigInts it would throw away.
import pg from 'pg';
import type { Logger } from '../log/logger.js';
import { connectionParams, listenForErrors } from './pool.js';
import { sqlState } from './sql-text.js';

export interface ExporterTarget {
  socketDir: string;
  port: number;
}

export interface ResultColumn {
  name: string;
  typeId: number;
}

/** A result set as text: one array per row, null for SQL NULL. */
export interface TextResult {
  columns: ResultColumn[];
  rows: (string | null)[][];
}

/** What one monitoring query produced: rows, or nothing because its predicate was not true. */
export type MonitoringOutcome = { kind: 'rows'; result: TextResult } | { kind: 'skipped'; reason: string };

export const EXPORTER_ROLE = 'cnpg_metrics_exporter';
const BOOL_OID = 16;
// Every type stays text: conversion happens once, in the metrics code, by type OID.
// Client-side slack over statement_timeout: the server's own cancellation (57014) should normally win.
const CLIENT_MARGIN_MS = 500;
const RAW_TYPES = { getTypeParser: () => (value: string): string => value } as unknown as pg.CustomTypesConfig;

/** Pools for the exporter role, created per database on first use; `end()` closes them all. */
export class ExporterPools {
  readonly #target: ExporterTarget;
  readonly #log: Logger;
  readonly #pools = new Map<string, pg.Pool>();
  readonly #maxPerDatabase: number;
  readonly #connectTimeoutMs: number;

  constructor(target: ExporterTarget, log: Logger, options: { maxPerDatabase?: number; connectTimeoutMs?: number } = {}) {
    this.#target = target;
    this.#log = log;
    this.#maxPerDatabase = options.maxPerDatabase ?? 3;
    this.#connectTimeoutMs = options.connectTimeoutMs ?? 3_000;
  }

  #pool(database: string): pg.Pool {
    let pool = this.#pools.get(database);
    if (pool) return pool;
    pool = new pg.Pool({
      ...connectionParams({ ...this.#target, user: EXPORTER_ROLE, database }, EXPORTER_ROLE, '-c TimeZone=UTC -c DateStyle=ISO -c extra_float_digits=1'),
      max: this.#maxPerDatabase,
      // Short: an idle exporter connection would make DROP DATABASE fail ("being accessed by other users").
      idleTimeoutMillis: 10_000,
      connectionTimeoutMillis: this.#connectTimeoutMs,
      types: RAW_TYPES,
    });
    listenForErrors(pool, (err) => this.#log.debug({ err: { message: err.message, code: sqlState(err) }, database }, 'idle exporter connection failed'));
    this.#pools.set(database, pool);
    return pool;
  }

  /**
   * Runs `query` (after `predicate`, when given) in one read-only transaction with search_path pinned and
   * a statement timeout. The transaction is always rolled back, so even a `SET` inside a query leaves no trace.
   * `deadline` (performance.now() time) bounds it on the client side too: statement_timeout never fires
   * on a backend that is not running (SIGSTOP, a frozen volume), so without it the call would wait forever.
   */
  async run(database: string, query: string, options: { predicate?: string; timeoutMs: number; deadline?: number }): Promise<MonitoringOutcome> {
    const deadline = Math.min(options.deadline ?? Infinity, performance.now() + options.timeoutMs + CLIENT_MARGIN_MS);
    const client = await this.#connect(database, deadline);
    let broken: Error | undefined;
    const q = (text: string): Promise<TextResult> => textQuery(client, text, deadline);
    try {
      await control(
        client,
        'BEGIN READ ONLY; SET LOCAL search_path TO pg_catalog, public, pg_temp; SET LOCAL standard_conforming_strings TO on; ' +
          `SET LOCAL statement_timeout TO ${Math.max(1, Math.round(options.timeoutMs))}`,
        deadline,
      );
      try {
        if (options.predicate !== undefined && options.predicate.trim() !== '') {
          const reason = predicateVerdict(await q(options.predicate));
          if (reason !== undefined) return { kind: 'skipped', reason };
        }
        return { kind: 'rows', result: await q(query) };
      } catch (err) {
        broken = brokenBy(err);
        throw err;
      } finally {
        // A connection that timed out is dropped as it is: a ROLLBACK would queue behind the stuck query.
        if (!broken) await control(client, 'ROLLBACK', deadline).catch((err: unknown) => void (broken = toError(err)));
      }
    } catch (err) {
      broken ??= brokenBy(err);
      throw err;
    } finally {
      // release(err) removes the client, and pg's end() destroys a socket whose query is still active.
      client.release(broken);
    }
  }

  /** Connects to `database` and runs `SELECT 1`; rejects when postgres does not answer within `timeoutMs`. */
  async ping(database: string, options: { timeoutMs: number }): Promise<void> {
    const deadline = performance.now() + options.timeoutMs;
    const client = await this.#connect(database, deadline);
    let broken: Error | undefined;
    try {
      await textQuery(client, 'SELECT 1', deadline);
    } catch (err) {
      broken = toError(err);
      throw err;
    } finally {
      client.release(broken);
    }
  }

  // pool.connect() bounded by the deadline too (a free pooled client is immediate; a new one or a wait in the
  // queue is not). A client that arrives after we gave up goes back to the pool unused: it is healthy.
  async #connect(database: string, deadline: number): Promise<pg.PoolClient> {
    const left = deadline - performance.now();
    if (left <= 0) throw new ClientTimeoutError(`no time left to connect to database ${database}`);
    const connecting = this.#pool(database).connect();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new ClientTimeoutError(`connecting to database ${database} took more than ${Math.round(left)} ms`)), left);
    });
    try {
      return await Promise.race([connecting, timeout]);
    } catch (err) {
      if (err instanceof ClientTimeoutError) void connecting.then((c) => c.release(), () => undefined);
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Closes the pools of databases not in `keep` (dropped databases, targets no longer queried). */
  async retain(keep: ReadonlySet<string>): Promise<void> {
    const closing: Promise<void>[] = [];
    for (const [name, pool] of this.#pools) {
      if (keep.has(name)) continue;
      this.#pools.delete(name);
      closing.push(pool.end().catch(() => undefined));
    }
    await Promise.all(closing);
  }

  /** Closes every pool. */
  async end(): Promise<void> {
    await this.retain(new Set());
  }
}

async function textQuery(client: pg.PoolClient, text: string, deadline: number): Promise<TextResult> {
  // The extended protocol runs exactly one statement, as CNPG's driver does: no "SELECT 1; DELETE ..." chains.
  const res = await client.query<(string | null)[]>({ text, rowMode: 'array', queryMode: 'extended', ...readTimeout(deadline) } as pg.QueryArrayConfig);
  return { columns: res.fields.map((f) => ({ name: f.name, typeId: f.dataTypeID })), rows: res.rows };
}

// The transaction's own statements, several in one simple-protocol round trip.
async function control(client: pg.PoolClient, text: string, deadline: number): Promise<void> {
  await client.query({ text, ...readTimeout(deadline) } as pg.QueryConfig);
}

// pg's client-side read timeout (a per-query `query_timeout`, not in @types/pg's QueryConfig): on expiry the
// query rejects with "Query read timeout", which has no SQLSTATE.
function readTimeout(deadline: number): { query_timeout: number } {
  const left = Math.floor(deadline - performance.now());
  if (left <= 0) throw new ClientTimeoutError('the monitoring deadline passed');
  return { query_timeout: left };
}

// A server-side error (SQLSTATE) leaves the connection usable; anything else (a timeout, a closed socket) may not.
function brokenBy(err: unknown): Error | undefined {
  return sqlState(err) === undefined && !(err instanceof PredicateShapeError) ? toError(err) : undefined;
}

function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

/** The client-side deadline of a monitoring call passed (postgres did not answer in time). */
export class ClientTimeoutError extends Error {}

// undefined when the predicate is true; otherwise why the query is skipped.
function predicateVerdict(result: TextResult): string | undefined {
  if (result.columns.length !== 1 || result.rows.length > 1) {
    throw new PredicateShapeError(`predicate_query must return at most one row of one boolean column (got ${result.rows.length} rows, ${result.columns.length} columns)`);
  }
  const row = result.rows[0];
  if (row === undefined) return 'predicate returned no rows';
  const value = row[0];
  if (value === null || value === undefined) return 'predicate returned NULL';
  if (result.columns[0]?.typeId !== BOOL_OID) throw new PredicateShapeError('predicate_query must return a boolean column');
  return value === 't' ? undefined : 'predicate returned false';
}

/** A predicate_query whose result is not one boolean (reported as a query error). */
export class PredicateShapeError extends Error {}
