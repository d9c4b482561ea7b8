// `target_databases`: plain names are used as given; entries with `*`, `?` or `[...]` are Go path.Match
// patterns expanded against the databases the exporter may connect to (CNPG isPathPattern/expandTargetDatabases).

/** The SQL listing the databases a pattern can match (connectable, not templates, CONNECT granted). */
export const ACCESSIBLE_DATABASES_SQL =
  "SELECT datname FROM pg_catalog.pg_database WHERE datallowconn AND NOT datistemplate AND pg_catalog.has_database_privilege(datname, 'CONNECT') ORDER BY datname";

/** True when the entry is a pattern rather than a database name. */
export function isPattern(entry: string): boolean {
  return /[*?[\]]/.test(entry);
}

/** Go path.Match as a RegExp (`*` and `?` never match `/`; `[^...]` negates); undefined for a malformed pattern. */
export function patternRegExp(pattern: string): RegExp | undefined {
  let out = '^';
  for (let i = 0; i < pattern.length; i++) {
    // eslint-disable-next-line security/detect-object-injection -- i walks the string
    const ch = pattern[i] as string;
    if (ch === '*') out += '[^/]*';
    else if (ch === '?') out += '[^/]';
    else if (ch === '\\') {
      const next = pattern[i + 1];
      if (next === undefined) return undefined;
      out += escapeRegExp(next);
      i++;
    } else if (ch === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) return undefined;
      let body = pattern.slice(i + 1, end);
      const negate = body.startsWith('^');
      if (negate) body = body.slice(1);
      if (body === '') return undefined;
      out += `[${negate ? '^' : ''}${body.replace(/[\\\]^]/g, (c) => `\\${c}`)}]`;
      i = end;
    } else if (ch === ']') {
      return undefined;
    } else out += escapeRegExp(ch);
  }
  try {
    // eslint-disable-next-line security/detect-non-literal-regexp -- built from escaped pattern pieces
    return new RegExp(`${out}$`, 'u');
  } catch {
    return undefined;
  }
}

function escapeRegExp(ch: string): string {
  return ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/**
 * The databases a query runs on, sorted and without repeats: `defaultDb` when the list is empty, names as
 * written, patterns matched against `accessible` (malformed patterns match nothing).
 */
export function expandTargets(targets: readonly string[], defaultDb: string, accessible: readonly string[]): string[] {
  if (targets.length === 0) return [defaultDb];
  const out = new Set<string>();
  for (const entry of targets) {
    if (!isPattern(entry)) {
      out.add(entry);
      continue;
    }
    const re = patternRegExp(entry);
    if (!re) continue;
    for (const db of accessible) if (re.test(db)) out.add(db);
  }
  return [...out].sort();
}
