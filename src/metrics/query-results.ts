// From one custom query's result set to samples: metric names `cnpg_<query>_<column>` (or the `name`
// overrides), labels from the LABEL columns in the order the file declares them, one sample per metric
// column per row. Rows whose label set a family already holds are dropped and counted, never emitted twice.
import type { TextResult } from '../db/metrics-pool.js';
import { renderLabels, withLabel, type Exposition, type Family, type FamilyType } from './exposition.js';
import type { ColumnSpec, UserQuery } from './query-spec.js';
import { durationMilliseconds, parseNumberArray, toLabelValue, toSampleValue } from './value-convert.js';

export interface CompiledMetric {
  spec: ColumnSpec;
  /** The family name. */
  name: string;
  type: FamilyType;
  help: string;
}

export interface CompiledQuery {
  query: UserQuery;
  labelNames: string[];
  metrics: CompiledMetric[];
  /** Columns the configuration maps (a histogram maps four), which the result must match. */
  expectedColumns: number;
}

/** What applying one result produced. */
export interface ApplyReport {
  samples: number;
  duplicateRows: number;
  problems: string[];
}

/** Names and types of a query's metrics, computed once per load. */
export function compileQuery(query: UserQuery, prefix = 'cnpg'): CompiledQuery {
  const base = `${prefix}_${query.namespace ?? query.name}`;
  const metrics: CompiledMetric[] = [];
  let expectedColumns = 0;
  for (const spec of query.metrics) {
    expectedColumns += spec.usage === 'HISTOGRAM' ? 4 : 1;
    if (spec.usage === 'LABEL' || spec.usage === 'DISCARD') continue;
    const name = `${base}_${spec.name ?? spec.column}${spec.usage === 'DURATION' ? '_milliseconds' : ''}`;
    const type: FamilyType = spec.usage === 'COUNTER' ? 'counter' : spec.usage === 'HISTOGRAM' ? 'histogram' : 'gauge';
    const help = spec.description.trim() || `Column ${spec.column} of the ${query.name} query`;
    metrics.push({ spec, name, type, help });
  }
  return { query, labelNames: query.metrics.filter((m) => m.usage === 'LABEL').map((m) => m.column), metrics, expectedColumns };
}

interface Bound {
  metric: CompiledMetric;
  family: Family;
  index: number;
  /** HISTOGRAM: the _bucket, _sum and _count columns. */
  extra?: [number, number, number];
}

/** Adds the samples of one result to `out`. */
export function applyResult(compiled: CompiledQuery, result: TextResult, out: Exposition): ApplyReport {
  const report: ApplyReport = { samples: 0, duplicateRows: 0, problems: [] };
  const { columns, rows } = result;
  if (columns.length !== compiled.expectedColumns) {
    report.problems.push(`columns number mismatch: the query returned ${columns.length}, the configuration maps ${compiled.expectedColumns}`);
    return report;
  }
  const index = new Map(columns.map((c, i) => [c.name, i] as const));
  const labelIdx: number[] = [];
  for (const label of compiled.labelNames) {
    const i = index.get(label);
    if (i === undefined) {
      report.problems.push(`label column ${label} is not in the result`);
      return report;
    }
    labelIdx.push(i);
  }
  const bound: Bound[] = [];
  for (const metric of compiled.metrics) {
    const column = metric.spec.column;
    const i = index.get(column);
    const extra = metric.type === 'histogram' ? [`${column}_bucket`, `${column}_sum`, `${column}_count`].map((c) => index.get(c)) : [];
    if (i === undefined || extra.some((e) => e === undefined)) {
      report.problems.push(`column ${column}${metric.type === 'histogram' ? ' (or its _bucket/_sum/_count)' : ''} is not in the result`);
      continue;
    }
    const family = out.family(metric.name, metric.type, metric.help);
    if (typeof family === 'string') {
      report.problems.push(family);
      continue;
    }
    bound.push(metric.type === 'histogram' ? { metric, family, index: i, extra: extra as [number, number, number] } : { metric, family, index: i });
  }
  const labelValues: string[] = new Array<string>(labelIdx.length);
  for (const row of rows) {
    for (let l = 0; l < labelIdx.length; l++) {
      // eslint-disable-next-line security/detect-object-injection -- l indexes parallel arrays
      const ci = labelIdx[l] as number;
      // eslint-disable-next-line security/detect-object-injection -- ci is a result column index
      labelValues[l] = toLabelValue(row[ci] ?? null, columns[ci]?.typeId ?? 0);
    }
    const labels = renderLabels(compiled.labelNames, labelValues);
    let duplicate = false;
    for (const b of bound) {
      const text = row[b.index] ?? null;
      if (b.extra) {
        if (!b.family.claim(labels)) duplicate = true;
        else report.samples += histogram(b.family, labels, text, b.extra.map((e) => row.at(e) ?? null) as [string | null, string | null, string | null], report);
        continue;
      }
      const value = sampleValue(b.metric.spec, text, columns[b.index]?.typeId ?? 0);
      if (value === undefined) continue;
      if (!b.family.claim(labels)) {
        duplicate = true;
        continue;
      }
      b.family.sample('', labels, value);
      report.samples++;
    }
    if (duplicate) report.duplicateRows++;
  }
  return report;
}

function sampleValue(spec: ColumnSpec, text: string | null, typeId: number): number | undefined {
  switch (spec.usage) {
    case 'MAPPEDMETRIC':
      return text === null ? undefined : spec.mapping?.get(text);
    case 'DURATION':
      return durationMilliseconds(text);
    default:
      return toSampleValue(text, typeId);
  }
}

// Buckets are the cumulative counts the query returns, bounds sorted; +Inf is the total count (Go's MustNewConstHistogram).
function histogram(family: Family, labels: string, boundsText: string | null, [bucketText, sumText, countText]: [string | null, string | null, string | null], report: ApplyReport): number {
  const bounds = parseNumberArray(boundsText);
  const counts = parseNumberArray(bucketText);
  const sum = sumText === null ? undefined : toSampleValue(sumText, 0);
  const count = countText === null ? undefined : toSampleValue(countText, 0);
  if (!bounds || !counts || sum === undefined || count === undefined) {
    report.problems.push(`histogram ${family.name}: bounds, bucket counts, sum and count must all be present and numeric`);
    return 0;
  }
  const pairs = bounds.slice(0, counts.length).map((b, i) => [b, counts.at(i) ?? 0] as const).sort((a, b) => a[0] - b[0]);
  for (const [bound, n] of pairs) {
    if (bound !== Infinity) family.sample('_bucket', withLabel(labels, 'le', String(bound)), n);
  }
  family.sample('_bucket', withLabel(labels, 'le', '+Inf'), count);
  family.sample('_sum', labels, sum);
  family.sample('_count', labels, count);
  return pairs.length + 3;
}
