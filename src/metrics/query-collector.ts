// The custom-query collector: runs every applicable query on its target databases (concurrently, each in
// its own read-only transaction with a statement timeout), renders the samples once per refresh, and
// serves that text until metricsQueriesTTL expires. One failing query never hides the others: its error
// lands in `cnpg_errors_total{errorUserQueries="<name> on db <db>: <error>"}`, reset at each refresh.
import type { MonitoringOutcome } from '../db/metrics-pool.js';
import { describeError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { Exposition, escapeLabelValue, formatValue } from './exposition.js';
import { applyResult, type CompiledQuery } from './query-results.js';
import { parseRange, type Version } from './semver-range.js';
import { ACCESSIBLE_DATABASES_SQL, expandTargets, isPattern } from './target-databases.js';

/** What the collector needs from the database layer (ExporterPools implements it). */
export interface QueryRunner {
  run(database: string, query: string, options: { predicate?: string; timeoutMs: number; deadline?: number }): Promise<MonitoringOutcome>;
}

/** Facts of the server a refresh depends on. */
export interface QueryContext {
  isPrimary: boolean;
  version: Version;
  defaultDatabase: string;
  /** performance.now() time after which a query gives up on the client side (the scrape's deadline). */
  deadline?: number;
}

export interface QueryCollectorOptions {
  db: QueryRunner;
  log: Logger;
  /** statement_timeout of each query (CNPG sets none; a stuck query would otherwise hold the scrape). */
  timeoutMs: number;
  /** Queries in flight at once, over all databases. */
  concurrency?: number;
  /** Metric names the custom queries may not produce (the built-in families). */
  reserved?: ReadonlySet<string>;
}

interface Task {
  compiled: CompiledQuery;
  database: string;
}

/** Runs the custom queries with a TTL cache; `collect()` returns their exposition text plus the self metrics. */
export class QueryCollector {
  readonly #o: QueryCollectorOptions;
  #queries: CompiledQuery[] = [];
  #loadProblems: string[] = [];
  #body = '';
  #errors = new Map<string, number>();
  #lastUpdate: number | undefined;
  #cacheHits = 0;
  #cacheMiss = 0;
  #lastFailing = '';
  #series = 0;

  constructor(options: QueryCollectorOptions) {
    this.#o = options;
  }

  /** Installs a new query set (problems are the load errors to report); the next collect() recomputes. */
  setQueries(queries: CompiledQuery[], loadProblems: string[]): void {
    this.#queries = queries;
    this.#loadProblems = loadProblems;
    this.#lastUpdate = undefined;
  }

  /** Series emitted by the last refresh. */
  seriesCount(): number {
    return this.#series;
  }

  /** The custom-query text: cached while younger than `ttlSeconds`, recomputed otherwise. */
  async collect(ctx: QueryContext, ttlSeconds: number, now = Date.now()): Promise<string> {
    if (this.#lastUpdate !== undefined && ttlSeconds > 0 && now - this.#lastUpdate < ttlSeconds * 1000) {
      this.#cacheHits++;
      this.#cacheMiss = 0;
    } else {
      await this.#refresh(ctx);
      this.#lastUpdate = now;
      this.#cacheMiss = 1;
    }
    return this.#body + this.#selfMetrics();
  }

  /** The self metrics alone (used when postgres is down and no query can run). */
  selfMetrics(): string {
    return this.#selfMetrics();
  }

  async #refresh(ctx: QueryContext): Promise<void> {
    const errors = new Map<string, number>();
    const report = (label: string): void => void errors.set(label, (errors.get(label) ?? 0) + 1);
    for (const p of this.#loadProblems) report(p);
    const tasks = await this.#plan(ctx, report);
    const outcomes = await mapLimited(tasks, this.#o.concurrency ?? 4, (t) =>
      this.#o.db.run(t.database, t.compiled.query.query, { predicate: t.compiled.query.predicateQuery, timeoutMs: this.#o.timeoutMs, deadline: ctx.deadline }),
    );
    // Applied in task order, so which of two duplicate rows survives does not depend on timing.
    const out = new Exposition(this.#o.reserved);
    tasks.forEach((task, i) => {
      // eslint-disable-next-line security/detect-object-injection -- i indexes the parallel outcomes array
      const outcome = outcomes[i] as PromiseSettledResult<MonitoringOutcome>;
      const where = `${task.compiled.query.name} on db ${task.database}`;
      if (outcome.status === 'rejected') {
        this.#o.log.debug({ query: task.compiled.query.name, database: task.database, err: { message: describeError(outcome.reason) } }, 'custom query failed');
        report(`${where}: ${describeError(outcome.reason)}`);
        return;
      }
      if (outcome.value.kind === 'skipped') return;
      const applied = applyResult(task.compiled, outcome.value.result, out);
      for (const problem of new Set(applied.problems)) report(`${where}: ${problem}`);
      if (applied.duplicateRows > 0) report(`${where}: ${applied.duplicateRows} row(s) with a duplicate label set dropped`);
    });
    this.#body = out.render();
    this.#series = out.seriesCount();
    this.#errors = errors;
    const failing = [...errors.keys()].sort().join('\n');
    if (failing !== this.#lastFailing) {
      if (errors.size) this.#o.log.warn({ errors: [...errors.keys()] }, 'custom queries reported errors');
      else this.#o.log.info('custom queries run without errors');
      this.#lastFailing = failing;
    }
  }

  async #plan(ctx: QueryContext, report: (label: string) => void): Promise<Task[]> {
    const tasks: Task[] = [];
    let accessible: string[] | undefined;
    for (const compiled of this.#queries) {
      const q = compiled.query;
      if (q.primary && !ctx.isPrimary) continue;
      if (q.runOnServer !== undefined) {
        try {
          if (!parseRange(q.runOnServer)(ctx.version)) continue;
        } catch (err) {
          report(`${q.name}: ${(err as Error).message}`);
          continue;
        }
      }
      if (accessible === undefined && q.targetDatabases.some(isPattern)) {
        try {
          const outcome = await this.#o.db.run(ctx.defaultDatabase, ACCESSIBLE_DATABASES_SQL, { timeoutMs: this.#o.timeoutMs, deadline: ctx.deadline });
          accessible = outcome.kind === 'rows' ? outcome.result.rows.map((r) => r[0] ?? '').filter((d) => d !== '') : [];
        } catch (err) {
          report(`${q.name}: while discovering databases: ${describeError(err)}`);
          continue;
        }
      }
      for (const database of expandTargets(q.targetDatabases, ctx.defaultDatabase, accessible ?? [])) tasks.push({ compiled, database });
    }
    return tasks;
  }

  #selfMetrics(): string {
    // Like the Go client's empty CounterVec, no errors means no cnpg_errors_total family at all.
    const lines: string[] = this.#errors.size ? ['# HELP cnpg_errors_total Total errors occurred performing user queries.\n# TYPE cnpg_errors_total counter\n'] : [];
    for (const [label, n] of this.#errors) lines.push(`cnpg_errors_total{errorUserQueries="${escapeLabelValue(label)}"} ${n}\n`);
    lines.push(
      '# HELP cnpg_last_error 1 if the last collection ended with error, 0 otherwise.\n# TYPE cnpg_last_error gauge\n',
      `cnpg_last_error ${this.#errors.size > 0 ? 1 : 0}\n`,
      '# HELP cnpg_last_update_timestamp Unix time of the last refresh of the custom queries.\n# TYPE cnpg_last_update_timestamp gauge\n',
      `cnpg_last_update_timestamp ${formatValue(this.#lastUpdate === undefined ? 0 : this.#lastUpdate / 1000)}\n`,
      '# HELP cnpg_cache_hits Scrapes served from the custom-query cache since the last refresh.\n# TYPE cnpg_cache_hits gauge\n',
      `cnpg_cache_hits ${this.#cacheHits}\n`,
      '# HELP cnpg_cache_miss 1 if the last scrape refreshed the custom queries, 0 if it was served from the cache.\n# TYPE cnpg_cache_miss gauge\n',
      `cnpg_cache_miss ${this.#cacheMiss}\n`,
    );
    return lines.join('');
  }
}

/** Like Promise.allSettled over `items.map(fn)`, with at most `limit` calls in flight. */
export async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<PromiseSettledResult<R>[]> {
  const results: PromiseSettledResult<R>[] = new Array<PromiseSettledResult<R>>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      try {
        // eslint-disable-next-line security/detect-object-injection -- i is a bounded index
        results[i] = { status: 'fulfilled', value: await fn(items[i] as T) };
      } catch (reason) {
        // eslint-disable-next-line security/detect-object-injection -- i is a bounded index
        results[i] = { status: 'rejected', reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
