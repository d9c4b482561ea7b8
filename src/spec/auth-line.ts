// The shape of one pg_hba.conf / pg_ident.conf record, checked at load: postgres refuses the whole file
// when one record is malformed (at start it would not start; on reload it keeps the old rules while
// custom.conf, and so our reload confirmation, moves on). Grammar: src/backend/libpq/hba.c
// (next_token: blanks separate fields, a comma continues a field, `"` quotes, `#` starts a comment).
import { ManifestError } from '../errors.js';

const HBA_HOST_TYPES: ReadonlySet<string> = new Set(['host', 'hostssl', 'hostnossl', 'hostgssenc', 'hostnogssenc']);

/** Splits a record into its fields (a comma-separated list is one field); stops at an unquoted `#`. */
export function authFields(line: string): { fields: string[]; comment: boolean } {
  const fields: string[] = [];
  let current = '';
  let quoted = false;
  let comment = false;
  const flush = (): void => {
    if (current !== '') fields.push(current);
    current = '';
  };
  for (const ch of line) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && ch === '#') {
      comment = true;
      break;
    } else if (!quoted && /\s/.test(ch)) {
      // "a, b" is one field: a comma keeps it open across the blank.
      if (!current.endsWith(',')) flush();
      continue;
    }
    current += ch;
  }
  flush();
  return { fields, comment };
}

/** Refuses a record postgres would reject, or one a comment or a trailing backslash would change. */
export function checkAuthRecord(line: string, path: string, isHba: boolean): void {
  // PostgreSQL 16+ reads a trailing backslash as "continued on the next line": it would swallow the
  // line rendered after this one.
  if (/\\\s*$/.test(line)) throw new ManifestError(path, 'must not end with a backslash (it would continue onto the next line)');
  const { fields, comment } = authFields(line);
  if (fields.length === 0) return; // blank, or only a comment: postgres skips it
  const what = comment ? ' before the "#" comment' : '';
  if (!isHba) {
    if (fields.length !== 3) throw new ManifestError(path, `must have exactly 3 fields (map, system user, database user)${what}, got ${fields.length}`);
    return;
  }
  const type = (fields[0] ?? '').toLowerCase();
  const needed = type === 'local' ? 4 : HBA_HOST_TYPES.has(type) ? 5 : 0;
  if (needed === 0) throw new ManifestError(path, `unknown connection type "${fields[0] ?? ''}" (local, host, hostssl, hostnossl, hostgssenc, hostnogssenc)`);
  if (fields.length < needed) {
    throw new ManifestError(path, `a ${type} record needs at least ${needed} fields${what}, got ${fields.length}`);
  }
}
