// SQL text helpers that need no driver: quoting by PostgreSQL's lexical rules and SQLSTATE extraction.
// Kept apart from pool.ts so that code which only builds statements does not load `pg` (on the start-up
// path, pg is loaded while the postmaster starts, not before it is spawned).

/** Quotes an identifier for SQL text (doubles embedded quotes, like pg's escapeIdentifier). */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * Quotes a string literal for SQL text, like pg's escapeLiteral: quotes doubled; with a backslash the
 * literal becomes an escape string (` E'...'`, backslashes doubled), so it reads the same whatever
 * standard_conforming_strings is.
 */
export function quoteLiteral(value: string): string {
  const hasBackslash = value.includes('\\');
  const body = value.replace(/'/g, "''").replace(/\\/g, '\\\\');
  return hasBackslash ? ` E'${body}'` : `'${body}'`;
}

/** The SQLSTATE of a database error, or undefined (branch on codes, never on message text). */
export function sqlState(err: unknown): string | undefined {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}
