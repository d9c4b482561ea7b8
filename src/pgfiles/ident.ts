// Renders pg_ident.conf byte for byte as CloudNativePG does (CNPG identTemplateString in
// https://github.com/cloudnative-pg/cloudnative-pg/blob/main/pkg/management/postgres/ident.go).
import { ManagerError } from '../errors.js';

export interface PgIdentInput {
  /** The OS user running postgres and the manager; the `local` and metrics maps grant it access. */
  osUser: string;
  /** spec.postgresql.pg_ident, in spec order, inserted verbatim. */
  userRules: readonly string[];
}

/**
 * Renders pg_ident.conf: the four fixed maps, then each user line as "\n" + line, then a final "\n".
 * osUser is required: CNPG falls back to `/` (an empty regex matching every OS user) when it cannot
 * resolve the current user; we refuse instead.
 */
export function renderPgIdent(input: PgIdentInput): string {
  const user = input.osUser;
  // A leading '/' would make the map a regular expression (pg_ident.conf docs); blanks would split the line.
  if (user === '' || user.startsWith('/') || /\s/.test(user)) {
    throw new ManagerError('CONFIG_WRITE', 'pg_ident.conf needs the name of the OS user running postgres');
  }
  let text = `
#
# FIXED RULES
#

# Grant local access ('local' user map)
local ${user} postgres

# Grant streaming_replica access ('cnpg_streaming_replica' user map)
cnpg_streaming_replica streaming_replica streaming_replica

# Grant cnpg_pooler_pgbouncer access ('cnpg_pooler_pgbouncer' user map)
cnpg_pooler_pgbouncer cnpg_pooler_pgbouncer cnpg_pooler_pgbouncer

# Grant cnpg_metrics_exporter access via peer authentication on the Unix socket
cnpg_metrics_exporter ${user} cnpg_metrics_exporter

#
# USER-DEFINED RULES
#

`;
  for (const rule of input.userRules) text += `\n${rule}`;
  return `${text}\n`;
}
