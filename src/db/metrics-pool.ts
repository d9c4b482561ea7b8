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
   */
  async run(database: string, query: string, options: { predicate?: string; timeoutMs: number }): Promise<MonitoringOutcome> {
    const client = await this.#pool(database).connect();
    let broken: Error | undefined;
    try {
      await client.query(
        'BEGIN READ ONLY; SET LOCAL search_path TO pg_catalog, public, pg_temp; SET LOCAL standard_conforming_strings TO on; ' +
          `SET LOCAL statement_timeout TO ${Math.max(1, Math.round(options.timeoutMs))}`,
      );
      try {
        if (options.predicate !== undefined && options.predicate.trim() !== '') {
          const reason = predicateVerdict(await textQuery(client, options.predicate));
          if (reason !== undefined) return { kind: 'skipped', reason };
        }
        return { kind: 'rows', result: await textQuery(client, query) };
      } finally {
        await client.query('ROLLBACK').catch((err: unknown) => {
          broken = err instanceof Error ? err : new Error(String(err));
        });
      }
    } catch (err) {
      // A server-side error (SQLSTATE) leaves the connection usable; anything else may not.
      if (sqlState(err) === undefined) broken = err instanceof Error ? err : new Error(String(err));
      throw err;
    } finally {
      client.release(broken);
    }
  }

  /** Connects to `database` and runs `SELECT 1`; rejects when postgres does not answer. */
  async ping(database: string): Promise<void> {
    const client = await this.#pool(database).connect();
    let broken: Error | undefined;
    try {
      await client.query('SELECT 1');
    } catch (err) {
      broken = err instanceof Error ? err : new Error(String(err));
      throw err;
    } finally {
      client.release(broken);
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

async function textQuery(client: pg.PoolClient, text: string): Promise<TextResult> {
  // The extended protocol runs exactly one statement, as CNPG's driver does: no "SELECT 1; DELETE ..." chains.
  const config = { text, rowMode: 'array' as const, queryMode: 'extended' };
  const res = await client.query<(string | null)[]>(config);
  return { columns: res.fields.map((f) => ({ name: f.name, typeId: f.dataTypeID })), rows: res.rows };
}

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
