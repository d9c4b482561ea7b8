// The custom-queries YAML of CNPG (pkg/management/postgres/metrics/parser.go, itself postgres_exporter's
// format): `<queryName>: { query, metrics: [ { <column>: { usage, description, ... } } ], ... }`.
// Parsing is strict about shapes and names (a bad entry is refused with a reason) and lenient about
// fields CNPG parses but ignores (cache_seconds, pg_version).
import { parse } from 'yaml';

export const USAGES = ['DISCARD', 'LABEL', 'COUNTER', 'GAUGE', 'MAPPEDMETRIC', 'DURATION', 'HISTOGRAM'] as const;
export type Usage = (typeof USAGES)[number];

export interface ColumnSpec {
  column: string;
  usage: Usage;
  description: string;
  /** Overrides the column part of the metric name. */
  name?: string;
  /** MAPPEDMETRIC: text -> value. */
  mapping?: ReadonlyMap<string, number>;
}

export interface UserQuery {
  /** The key of the query in its file. */
  name: string;
  query: string;
  predicateQuery?: string;
  metrics: ColumnSpec[];
  primary: boolean;
  runOnServer?: string;
  targetDatabases: string[];
  /** Overrides the query part of the metric names. */
  namespace?: string;
}

/** One file parsed: the valid queries, and a reason for every refused entry. */
export interface ParsedQueries {
  queries: UserQuery[];
  problems: { query: string; message: string }[];
}

const QUERY_KEYS: ReadonlySet<string> = new Set([
  'query', 'metrics', 'primary', 'master', 'runonserver', 'target_databases', 'predicate_query', 'name', 'cache_seconds',
]);
const COLUMN_KEYS: ReadonlySet<string> = new Set(['usage', 'description', 'metric_mapping', 'pg_version', 'name']);
const NAME_PART = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parses one queries file; throws (with a message naming the problem) only when the YAML itself is unusable. */
export function parseQueries(text: string): ParsedQueries {
  const doc: unknown = parse(text, { maxAliasCount: 100 });
  const out: ParsedQueries = { queries: [], problems: [] };
  if (doc === null || doc === undefined) return out;
  if (!isObj(doc)) throw new Error('a queries file must be a mapping of query names to queries');
  for (const [name, value] of Object.entries(doc)) {
    try {
      out.queries.push(parseQuery(name, value));
    } catch (err) {
      out.problems.push({ query: name, message: (err as Error).message });
    }
  }
  return out;
}

function parseQuery(name: string, value: unknown): UserQuery {
  if (!isObj(value)) throw new Error('must be a mapping');
  const unknown = Object.keys(value).filter((k) => !QUERY_KEYS.has(k));
  if (unknown.length) throw new Error(`unknown field(s) ${unknown.join(', ')}`);
  const query = optionalString(value, 'query');
  if (query === undefined || query.trim() === '') throw new Error('query is missing');
  const namespace = optionalString(value, 'name');
  const prefix = namespace ?? name;
  if (!NAME_PART.test(prefix)) throw new Error(`"${prefix}" cannot be part of a metric name`);
  const targets = value.target_databases;
  if (targets !== undefined && (!Array.isArray(targets) || !targets.every((t) => typeof t === 'string' && t !== ''))) {
    throw new Error('target_databases must be a list of database names or patterns');
  }
  const metrics = value.metrics;
  if (!Array.isArray(metrics) || metrics.length === 0) throw new Error('metrics must be a non-empty list');
  const columns = metrics.map((m, i) => parseColumn(m, i));
  const seen = new Set<string>();
  for (const c of columns) {
    if (seen.has(c.column)) throw new Error(`column ${c.column} is mapped twice`);
    seen.add(c.column);
  }
  return {
    name,
    query,
    predicateQuery: optionalString(value, 'predicate_query'),
    metrics: columns,
    primary: optionalBool(value, 'primary') === true || optionalBool(value, 'master') === true,
    runOnServer: optionalString(value, 'runonserver')?.trim() || undefined,
    targetDatabases: (targets as string[] | undefined) ?? [],
    namespace,
  };
}

function parseColumn(entry: unknown, index: number): ColumnSpec {
  if (!isObj(entry) || Object.keys(entry).length !== 1) throw new Error(`metrics[${index}] must be a single-key mapping "<column>: {usage: ...}"`);
  const [column, body] = Object.entries(entry)[0] as [string, unknown];
  if (!isObj(body)) throw new Error(`metrics[${index}] (${column}) must be a mapping`);
  const unknown = Object.keys(body).filter((k) => !COLUMN_KEYS.has(k));
  if (unknown.length) throw new Error(`column ${column}: unknown field(s) ${unknown.join(', ')}`);
  const usageText = optionalString(body, 'usage')?.toUpperCase();
  const usage = USAGES.find((u) => u === usageText);
  if (!usage) throw new Error(`column ${column}: usage must be one of ${USAGES.join(', ')}`);
  const nameOverride = optionalString(body, 'name');
  const metricPart = nameOverride ?? column;
  if (usage !== 'DISCARD' && !NAME_PART.test(metricPart)) throw new Error(`column ${column}: "${metricPart}" is not a valid ${usage === 'LABEL' ? 'label' : 'metric'} name`);
  if (usage === 'LABEL' && (column.startsWith('__') || column === 'le')) throw new Error(`column ${column}: reserved label name`);
  const spec: ColumnSpec = { column, usage, description: optionalString(body, 'description') ?? '' };
  if (nameOverride !== undefined) spec.name = nameOverride;
  if (usage === 'MAPPEDMETRIC') spec.mapping = parseMapping(column, body.metric_mapping);
  return spec;
}

function parseMapping(column: string, value: unknown): ReadonlyMap<string, number> {
  if (!isObj(value)) throw new Error(`column ${column}: MAPPEDMETRIC needs a metric_mapping of text to number`);
  const out = new Map<string, number>();
  for (const [text, n] of Object.entries(value)) {
    if (typeof n !== 'number') throw new Error(`column ${column}: metric_mapping value for "${text}" is not a number`);
    out.set(text, n);
  }
  return out;
}

function optionalString(o: Obj, key: string): string | undefined {
  // eslint-disable-next-line security/detect-object-injection -- key is one of our literal field names
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new Error(`${key} must be a string`);
  return v;
}

function optionalBool(o: Obj, key: string): boolean | undefined {
  // eslint-disable-next-line security/detect-object-injection -- key is one of our literal field names
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw new Error(`${key} must be true or false`);
  return v;
}
