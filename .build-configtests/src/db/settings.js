/** The hashes stamped into custom.conf as loaded by a backend, and pg_settings.pending_restart. */
export async function loadedSettings(pool) {
    const res = await pool.query(`SELECT current_setting('cnpg.config_sha256', true) AS config,
            current_setting('cnpg.files_sha256', true) AS files,
            (SELECT array_agg(name ORDER BY name) FROM pg_catalog.pg_settings WHERE pending_restart) AS pending`);
    const row = res.rows[0];
    return {
        configSha256: row?.config ?? '',
        filesSha256: row?.files ?? '',
        pendingRestart: (row?.pending?.length ?? 0) > 0,
        pendingRestartSettings: row?.pending ?? [],
    };
}
//# sourceMappingURL=settings.js.map