// A name of a Database object that goes into SQL as a quoted identifier (src/db/sql-text.ts): NUL cannot be
// sent at all, and PostgreSQL truncates identifiers past NAMEDATALEN-1 (63 bytes), which would silently name
// another object (https://www.postgresql.org/docs/15/sql-syntax-lexical.html#SQL-SYNTAX-IDENTIFIERS).
import { ManifestError } from '../errors.js';
import { checkSingleLine, type Fields } from './fields.js';

/** The string at `key` checked as an identifier; "" counts as unset. `unbounded`: no 63-byte limit (a value, not a name). */
export function sqlIdentifier(f: Fields, key: string, required: boolean, unbounded = false): string | undefined {
  const value = required ? f.requiredString(key) : f.string(key);
  if (value === undefined || value === '') return undefined;
  checkSingleLine(value, f.at(key));
  if (Buffer.byteLength(value) > 63 && !unbounded) throw new ManifestError(f.at(key), `is longer than 63 bytes (PostgreSQL's NAMEDATALEN), got ${Buffer.byteLength(value)}`);
  return value;
}
