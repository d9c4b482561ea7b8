// Role and database statements run by the manager on the primary. Passwords are sent as SCRAM verifiers
// inside a transaction that turns statement logging off (CNPG ExecWithSuppressedLogging).
import { isPasswordHash, scramSha256Verifier } from './scram.js';
import { quoteIdent, quoteLiteral } from './pool.js';
/** Sets (or with null, removes) a role's password without the statement ever reaching a log. */
export async function setRolePassword(db, role, password) {
    const clause = password === null ? 'PASSWORD NULL' : `PASSWORD ${quoteLiteral(isPasswordHash(password) ? password : scramSha256Verifier(password))}`;
    await db.query('BEGIN');
    try {
        await db.query("SET LOCAL log_statement = 'none'");
        await db.query("SET LOCAL log_min_error_statement = 'PANIC'");
        await db.query(`ALTER ROLE ${quoteIdent(role)} WITH ${clause}`);
        await db.query('COMMIT');
    }
    catch (err) {
        await db.query('ROLLBACK').catch(() => undefined);
        // The error of ALTER ROLE never contains the literal; rethrow a fixed message anyway, keeping the SQLSTATE.
        const code = err.code;
        throw Object.assign(new Error(`setting the password of role ${role} failed${code ? ` (SQLSTATE ${code})` : ''}`), { code });
    }
}
/** True when the role has a password (pg_authid.rolpassword is not NULL). */
export async function roleHasPassword(db, role) {
    const res = await db.query('SELECT rolpassword IS NOT NULL AS has FROM pg_catalog.pg_authid WHERE rolname = $1', [role]);
    return res.rows[0]?.has ?? false;
}
/** Creates a LOGIN role when missing; returns whether it was created. */
export async function ensureLoginRole(db, role, attributes = '') {
    const res = await db.query('SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = $1', [role]);
    if (res.rowCount)
        return false;
    await db.query(`CREATE ROLE ${quoteIdent(role)} WITH LOGIN ${attributes}`.trim());
    return true;
}
/** Creates the application database owned by `owner` when missing; returns whether it was created. */
export async function ensureDatabase(db, database, owner) {
    const res = await db.query('SELECT 1 FROM pg_catalog.pg_database WHERE datname = $1', [database]);
    if (res.rowCount)
        return false;
    await db.query(`CREATE DATABASE ${quoteIdent(database)} OWNER ${quoteIdent(owner)}`);
    return true;
}
/**
 * The roles every instance has (reference cnpg-runtime.md "Post-start role setup"): streaming_replica for
 * certificate-authenticated replication, and cnpg_metrics_exporter, unprivileged and passwordless.
 */
export async function ensureSystemRoles(db) {
    const created = [];
    if (await ensureLoginRole(db, 'streaming_replica', 'REPLICATION')) {
        await db.query("COMMENT ON ROLE streaming_replica IS 'Special user for streaming replication created by pg-instance-manager'");
        created.push('streaming_replica');
    }
    if (await ensureLoginRole(db, 'cnpg_metrics_exporter', 'PASSWORD NULL'))
        created.push('cnpg_metrics_exporter');
    await db.query('ALTER ROLE cnpg_metrics_exporter WITH NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT LOGIN');
    await db.query('GRANT pg_monitor TO cnpg_metrics_exporter');
    return created;
}
//# sourceMappingURL=roles.js.map