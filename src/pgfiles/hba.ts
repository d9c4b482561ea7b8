// Renders pg_hba.conf in CloudNativePG's layout (CNPG pkg/postgres/configuration.go hbaTemplateString and
// pkg/management/postgres/configuration.go buildLDAPConfigString), except that what we add accepts TCP with
// TLS only: the LDAP line and the catch-all are `hostssl`, and a last `hostnossl all all all reject` refuses
// plain TCP (CNPG's `host` lines accept it). User rules come before both, so a user who wants plaintext on a
// network says so with their own `host` line. The LDAP bind password ends up in the text: never log it.
import type { LdapSpec } from '../spec/cluster.js';

export interface PgHbaInput {
  /** spec.postgresql.pg_hba, in spec order, inserted verbatim. */
  userRules: readonly string[];
  /** spec.postgresql.ldap and, for search+bind, the password read from its Secret. */
  ldap?: { spec: LdapSpec; bindPassword?: string };
  /** Major version of the running server: picks the catch-all method. */
  pgMajor: number;
}

// The fixed rules come first because the first matching line wins: user rules can never override them.
const HEAD = `
#
# FIXED RULES
#

# Grant local access ('local' user map)
local all cnpg_metrics_exporter peer map=cnpg_metrics_exporter
local all all peer map=local

# Require client certificate authentication for the streaming_replica user
hostssl postgres streaming_replica all cert map=cnpg_streaming_replica
hostssl replication streaming_replica all cert map=cnpg_streaming_replica
hostssl all cnpg_pooler_pgbouncer all cert map=cnpg_pooler_pgbouncer

#
# USER-DEFINED RULES
#

`;

/** Quotes a pg_hba.conf option value: `"` doubled, a newline becomes backslash-newline, then wrapped in `"`. */
export function quoteHbaLiteral(literal: string): string {
  return `"${literal.replaceAll('"', '""').replaceAll('\n', '\\\n')}"`;
}

/**
 * The single LDAP line, options in CNPG's order (simple bind, then search+bind). IPv4 only, as in CNPG; TLS only.
 * PostgreSQL refuses ldapsearchfilter together with ldapsearchattribute (whole file rejected at load), so
 * spec validation must refuse that pair; here it is rendered as CNPG does.
 */
export function buildLdapLine(spec: LdapSpec, bindPassword: string): string {
  // hostssl: the client sends its password in clear text for ldap (CNPG's line is `host`).
  let line = `hostssl all all 0.0.0.0/0 ldap ldapserver=${quoteHbaLiteral(spec.server)}`;
  if (spec.port !== undefined && spec.port !== 0) line += ` ldapport=${spec.port}`;
  if (spec.scheme !== undefined) line += ` ldapscheme=${quoteHbaLiteral(spec.scheme)}`;
  if (spec.tls) line += ' ldaptls=1';
  if (spec.bindAsAuth !== undefined) {
    const { prefix, suffix } = spec.bindAsAuth;
    line += ` ldapprefix=${quoteHbaLiteral(prefix)} ldapsuffix=${quoteHbaLiteral(suffix)}`;
  }
  const search = spec.bindSearchAuth;
  if (search !== undefined) {
    line += ` ldapbasedn=${quoteHbaLiteral(search.baseDN)} ldapbinddn=${quoteHbaLiteral(search.bindDN)}`;
    line += ` ldapbindpasswd=${quoteHbaLiteral(bindPassword)}`;
    if (search.searchFilter !== undefined && search.searchFilter !== '') {
      line += ` ldapsearchfilter=${quoteHbaLiteral(search.searchFilter)}`;
    }
    if (search.searchAttribute !== undefined && search.searchAttribute !== '') {
      line += ` ldapsearchattribute=${quoteHbaLiteral(search.searchAttribute)}`;
    }
  }
  return line;
}

/** scram-sha-256 from PostgreSQL 14 on (its default password_encryption), md5 before. */
export function defaultAuthMethod(pgMajor: number): 'scram-sha-256' | 'md5' {
  return pgMajor >= 14 ? 'scram-sha-256' : 'md5';
}

/**
 * The default rules, last (first match wins, https://www.postgresql.org/docs/current/auth-pg-hba-conf.html):
 * `hostssl` matches TCP with TLS only; `hostnossl` matches every TCP connection without TLS (a GSSAPI-encrypted
 * one too), which is refused. Replication connections match no `all` line and are refused unless a rule above
 * names `replication`.
 */
export function defaultRules(pgMajor: number): string {
  return `hostssl all all all ${defaultAuthMethod(pgMajor)}\nhostnossl all all all reject\n`;
}

/**
 * Renders pg_hba.conf. Bytes follow CNPG's Go template: each user rule is "\n" + rule, then "\n\n", then
 * the optional LDAP block, then "\n\n#\n# DEFAULT RULES\n#\n" and the default rules. The catch-all is
 * unconditional; users can only shadow it with earlier rules.
 */
export function renderPgHba(input: PgHbaInput): string {
  let text = HEAD;
  for (const rule of input.userRules) text += `\n${rule}`;
  text += '\n\n';
  if (input.ldap !== undefined) {
    const ldapLine = buildLdapLine(input.ldap.spec, input.ldap.bindPassword ?? '');
    text += `\n#\n# LDAP CONFIGURATION (optional)\n#\n${ldapLine}\n`;
  }
  text += `\n\n#\n# DEFAULT RULES\n#\n${defaultRules(input.pgMajor)}`;
  return text;
}
