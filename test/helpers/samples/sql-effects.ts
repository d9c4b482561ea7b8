// The effect of a post-init SQL statement, looked up in the catalog rather than trusted: CREATE TABLE,
// INSERT ... generate_series(a, b), CREATE EXTENSION, CREATE SCHEMA, ALTER TABLE/SCHEMA ... OWNER TO. A
// statement of another shape is returned as not checked.
import { sql, type SqlTarget } from './sample-sql.js';

const lit = (s: string): string => `'${s.replace(/'/g, "''")}'`;

/** One SQL text split into statements (on `;` outside quotes is enough for the samples' SQL). */
export function statements(text: string): string[] {
  return text.split(';').map((s) => s.trim()).filter((s) => s !== '');
}

/** Checks each statement's effect in `db`; throws naming the first missing one; returns the statements not checked. */
export async function checkEffects(t: SqlTarget, db: string, field: string, stmts: readonly string[]): Promise<string[]> {
  const unchecked: string[] = [];
  for (const stmt of stmts) {
    const s = stmt.replace(/\s+/g, ' ').trim();
    let probe: string | undefined;
    let m: RegExpExecArray | null;
    if ((m = /^create table (?:if not exists )?([\w.]+)/i.exec(s))) probe = `SELECT to_regclass(${lit(m[1] ?? '')}) IS NOT NULL`;
    else if ((m = /^insert into ([\w.]+)\b.*generate_series\s*\(\s*(\d+)\s*,\s*(\d+)\s*\)/i.exec(s))) probe = `SELECT count(*) >= ${Number(m[3]) - Number(m[2]) + 1} FROM ${m[1] ?? ''}`;
    else if ((m = /^create extension (?:if not exists )?"?(\w+)"?/i.exec(s))) probe = `SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = ${lit(m[1] ?? '')})`;
    else if ((m = /^create schema (?:if not exists )?(\w+)/i.exec(s))) probe = `SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = ${lit(m[1] ?? '')})`;
    else if ((m = /^alter table ([\w.]+) owner to (\w+)$/i.exec(s))) probe = `SELECT pg_get_userbyid(relowner) = ${lit(m[2] ?? '')} FROM pg_class WHERE oid = to_regclass(${lit(m[1] ?? '')})`;
    else if ((m = /^alter schema (\w+) owner to (\w+)$/i.exec(s))) probe = `SELECT pg_get_userbyid(nspowner) = ${lit(m[2] ?? '')} FROM pg_namespace WHERE nspname = ${lit(m[1] ?? '')}`;
    if (probe === undefined) {
      unchecked.push(`${field}: "${s}"`);
      continue;
    }
    const seen = await sql(t, db, probe);
    if (seen !== 't') throw new Error(`${field}: the effect of "${s}" is not in database ${db}`);
  }
  return unchecked;
}
