/**
 * The argv for `initdb`. The superuser is always `postgres`; local connections use peer authentication
 * and TCP falls back to scram-sha-256 until our own pg_hba.conf replaces initdb's.
 */
export function initdbArgs(pgData, spec) {
    const args = ['-D', pgData, '--username', 'postgres', '--auth-local', 'peer', '--auth-host', 'scram-sha-256'];
    args.push('--encoding', spec.encoding);
    if (spec.locale)
        args.push('--locale', spec.locale);
    if (spec.localeCollate)
        args.push('--lc-collate', spec.localeCollate);
    if (spec.localeCType)
        args.push('--lc-ctype', spec.localeCType);
    if (spec.localeProvider)
        args.push('--locale-provider', spec.localeProvider);
    if (spec.icuLocale)
        args.push('--icu-locale', spec.icuLocale);
    if (spec.icuRules)
        args.push('--icu-rules', spec.icuRules);
    if (spec.dataChecksums)
        args.push('--data-checksums');
    if (spec.walSegmentSize !== undefined)
        args.push('--wal-segsize', String(spec.walSegmentSize));
    // Without an explicit locale, use C so the result never depends on the machine's LANG.
    if (!spec.locale && !spec.localeCollate && !spec.localeCType)
        args.push('--locale', 'C');
    args.push(...spec.options);
    return args;
}
//# sourceMappingURL=initdb-args.js.map