// Prometheus text exposition (format 0.0.4) written directly, for the custom-query samples: tens of
// thousands of series go through string concatenation instead of prom-client label sets (measured with
// scripts/bench/metrics). A family is emitted once however many queries or databases feed it, and a label
// set seen twice in a family is refused, so the output always parses (cloudnative-pg/charts#800).

export type FamilyType = 'counter' | 'gauge' | 'histogram' | 'untyped';

/** Escapes a label value (backslash, double quote, newline). */
export function escapeLabelValue(value: string): string {
  return /[\\"\n]/.test(value) ? value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n') : value;
}

/** Escapes HELP text (backslash, newline). */
export function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** A sample value as Prometheus spells it (NaN, +Inf, -Inf, else the shortest round-trip decimal). */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

/** `{a="x",b="y"}` for parallel name/value lists ('' when there are none). */
export function renderLabels(names: readonly string[], values: readonly string[]): string {
  if (names.length === 0) return '';
  let out = '{';
  for (let i = 0; i < names.length; i++) {
    if (i > 0) out += ',';
    // eslint-disable-next-line security/detect-object-injection -- i indexes parallel arrays
    out += `${names[i]}="${escapeLabelValue(values[i] ?? '')}"`;
  }
  return `${out}}`;
}

/** Adds one label to a rendered label set (histogram `le`). */
export function withLabel(labels: string, name: string, value: string): string {
  const pair = `${name}="${escapeLabelValue(value)}"`;
  return labels === '' ? `{${pair}}` : `${labels.slice(0, -1)},${pair}}`;
}

/**
 * The TYPE line promtool's linter accepts for a CNPG name: counters must end in `_total` and nothing else
 * may, and CNPG names such as `cnpg_pg_stat_database_xact_commit` (counter) or `cnpg_backends_total`
 * (gauge) break that rule. Those families keep their names and values and are declared `untyped`.
 */
export function lintSafeType(name: string, type: FamilyType): FamilyType {
  if (type === 'histogram') return type;
  const total = name.endsWith('_total');
  if (type === 'counter' && !total) return 'untyped';
  if (type !== 'counter' && total) return 'untyped';
  return type;
}

/** One metric family: its header and sample lines, and the label sets already used. */
export class Family {
  readonly lines: string[] = [];
  readonly #labelSets = new Set<string>();

  constructor(
    readonly name: string,
    readonly type: FamilyType,
    readonly help: string,
  ) {}

  /** Reserves a label set for one row; false when the family already has it (the row must be dropped). */
  claim(labels: string): boolean {
    if (this.#labelSets.has(labels)) return false;
    this.#labelSets.add(labels);
    return true;
  }

  /** Appends `<name><suffix><labels> <value>`. */
  sample(suffix: string, labels: string, value: number): void {
    this.lines.push(`${this.name}${suffix}${labels} ${formatValue(value)}\n`);
  }
}

/** Families in first-declared order; a name declared again with another type is refused. */
export class Exposition {
  readonly #families = new Map<string, Family>();
  readonly #reserved: ReadonlySet<string>;

  constructor(reserved: ReadonlySet<string> = new Set()) {
    this.#reserved = reserved;
  }

  /** The family `name`, declared on first use; a string (the reason) when it cannot be used. */
  family(name: string, type: FamilyType, help: string): Family | string {
    if (this.#reserved.has(name)) return `metric name ${name} is reserved by the instance manager`;
    const declared = lintSafeType(name, type);
    const existing = this.#families.get(name);
    if (existing) return existing.type === declared ? existing : `metric ${name} is already a ${existing.type}, not a ${declared}`;
    if (type === 'histogram') {
      for (const suffix of ['_bucket', '_sum', '_count']) {
        if (this.#families.has(name + suffix)) return `histogram ${name} collides with metric ${name}${suffix}`;
      }
    }
    const family = new Family(name, declared, help);
    this.#families.set(name, family);
    return family;
  }

  /** Number of sample lines. */
  seriesCount(): number {
    let n = 0;
    for (const f of this.#families.values()) n += f.lines.length;
    return n;
  }

  /** The exposition text of every family that has samples. */
  render(): string {
    const parts: string[] = [];
    for (const f of this.#families.values()) {
      if (f.lines.length === 0) continue;
      parts.push(`# HELP ${f.name} ${escapeHelp(f.help)}\n# TYPE ${f.name} ${f.type}\n`, ...f.lines);
    }
    return parts.join('');
  }
}
