// Renders a libpq password file line and guards the names used to build passfile paths (CNPG
// pkg/management/external/internal/pgpass). The line holds a password: never log it.
import { ManagerError } from '../errors.js';

export interface PgpassEntry {
  host: string;
  port: number | string;
  dbname: string;
  user: string;
  password: string;
}

// libpq reads the file line by line and treats `\` and `:` specially inside a field
// (https://www.postgresql.org/docs/current/libpq-pgpass.html), so both are backslash-escaped.
function escapeField(name: keyof PgpassEntry, value: string): string {
  if (/[\r\n]/.test(value)) {
    // Name the field, never the value: it may be the password.
    throw new ManagerError('INVALID_SECRET', `pgpass field ${name} contains a line break`);
  }
  return value.replaceAll('\\', '\\\\').replaceAll(':', '\\:');
}

/**
 * Renders `host:port:dbname:user:password` with every field escaped (\ -> \\, : -> \:) and no trailing
 * newline, as CNPG's external-cluster passfile. A literal `*` stays a wildcard, as libpq defines it.
 */
export function renderPgpassLine(entry: PgpassEntry): string {
  const fields: [keyof PgpassEntry, string][] = [
    ['host', entry.host],
    ['port', String(entry.port)],
    ['dbname', entry.dbname],
    ['user', entry.user],
    ['password', entry.password],
  ];
  return fields.map(([name, value]) => escapeField(name, value)).join(':');
}

/** Renders a whole password file: one escaped line per entry, each ending with a newline. */
export function renderPgpassFile(entries: readonly PgpassEntry[]): string {
  return entries.map((e) => `${renderPgpassLine(e)}\n`).join('');
}
