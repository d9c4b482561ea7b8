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
export function quoteHbaLiteral(literal) {
    return `"${literal.replaceAll('"', '""').replaceAll('\n', '\\\n')}"`;
}
/**
 * The single LDAP line, options in CNPG's order (simple bind, then search+bind). IPv4 only, as in CNPG.
 * PostgreSQL refuses ldapsearchfilter together with ldapsearchattribute (whole file rejected at load), so
 * spec validation must refuse that pair; here it is rendered as CNPG does.
 */
export function buildLdapLine(spec, bindPassword) {
    let line = `host all all 0.0.0.0/0 ldap ldapserver=${quoteHbaLiteral(spec.server)}`;
    if (spec.port !== undefined && spec.port !== 0)
        line += ` ldapport=${spec.port}`;
    if (spec.scheme !== undefined)
        line += ` ldapscheme=${quoteHbaLiteral(spec.scheme)}`;
    if (spec.tls)
        line += ' ldaptls=1';
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
export function defaultAuthMethod(pgMajor) {
    return pgMajor >= 14 ? 'scram-sha-256' : 'md5';
}
/**
 * Renders pg_hba.conf. Bytes follow CNPG's Go template: each user rule is "\n" + rule, then "\n\n", then
 * the optional LDAP block, then "\n\n#\n# DEFAULT RULES\n#\nhost all all all <method>\n". The catch-all is
 * unconditional; users can only shadow it with an earlier `reject` rule.
 */
export function renderPgHba(input) {
    let text = HEAD;
    for (const rule of input.userRules)
        text += `\n${rule}`;
    text += '\n\n';
    if (input.ldap !== undefined) {
        const ldapLine = buildLdapLine(input.ldap.spec, input.ldap.bindPassword ?? '');
        text += `\n#\n# LDAP CONFIGURATION (optional)\n#\n${ldapLine}\n`;
    }
    text += `\n\n#\n# DEFAULT RULES\n#\nhost all all all ${defaultAuthMethod(input.pgMajor)}\n`;
    return text;
}
//# sourceMappingURL=hba.js.map