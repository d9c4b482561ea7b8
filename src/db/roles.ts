// Role and database statements run by the manager on the primary. Passwords are sent as SCRAM verifiers
// inside a transaction that turns statement logging off (CNPG ExecWithSuppressedLogging).
import { isPasswordHash, scramSha256Verifier } from './scram.js';
import type { Client, PoolClient } from './pool.js';
import { quoteIdent, quoteLiteral } from './sql-text.js';

type Queryable = Client | PoolClient;

/** How a password from a Secret is sent: hashed client-side (default), or verbatim (cnpg.io/passwordPassthrough). */
export interface PasswordOptions {
  passthrough?: boolean;
}

/** The PASSWORD clause: NULL, the value verbatim when already a hash or passed through, else a SCRAM verifier. */
export function passwordClause(value: string | null, options: PasswordOptions = {}): string {
  if (value === null) return 'PASSWORD NULL';
  const sent = options.passthrough === true || isPasswordHash(value) ? value : scramSha256Verifier(value);
  return `PASSWORD ${quoteLiteral(sent)}`;
}

/** Sets (or with null, removes) a role's password without the statement ever reaching a log. */
export async function setRolePassword(db: Queryable, role: string, password: string | null, options: PasswordOptions = {}): Promise<void> {
  let clause: string;
  try {
    clause = passwordClause(password, options);
  } catch {
    // A fixed message: the underlying error could carry the cleartext (CNPG does the same).
    throw new Error(`encoding the password of role ${role} failed`);
  }
  try {
    await runWithoutStatementLogging(db, `ALTER ROLE ${quoteIdent(role)} WITH ${clause}`);
  } catch (err) {
    // The error of ALTER ROLE never contains the literal; rethrow a fixed message anyway, keeping the SQLSTATE.
    const code = (err as { code?: string }).code;
    throw Object.assign(new Error(`setting the password of role ${role} failed${code ? ` (SQLSTATE ${code})` : ''}`), { code });
  }
}

/** Runs one statement carrying a password in a transaction whose statements never reach the server log. */
export async function runWithoutStatementLogging(db: Queryable, statement: string): Promise<void> {
  await db.query('BEGIN');
  try {
    await db.query("SET LOCAL log_statement = 'none'");
    await db.query("SET LOCAL log_min_error_statement = 'PANIC'");
    // Beyond CNPG: a user's log_min_duration_statement would log a slow ALTER ROLE with its verifier.
    await db.query('SET LOCAL log_min_duration_statement = -1');
    await db.query(statement);
    await db.query('COMMIT');
  } catch (err) {
    await db.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

/** True when the role has a password (pg_authid.rolpassword is not NULL). */
export async function roleHasPassword(db: Queryable, role: string): Promise<boolean> {
  const res = await db.query<{ has: boolean }>('SELECT rolpassword IS NOT NULL AS has FROM pg_catalog.pg_authid WHERE rolname = $1', [role]);
  return res.rows[0]?.has ?? false;
}

/** Creates a LOGIN role when missing; returns whether it was created. */
export async function ensureLoginRole(db: Queryable, role: string, attributes = ''): Promise<boolean> {
  const res = await db.query('SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = $1', [role]);
  if (res.rowCount) return false;
  await db.query(`CREATE ROLE ${quoteIdent(role)} WITH LOGIN ${attributes}`.trim());
  return true;
}

/** Creates the application database owned by `owner` when missing; returns whether it was created. */
export async function ensureDatabase(db: Queryable, database: string, owner: string): Promise<boolean> {
  const res = await db.query('SELECT 1 FROM pg_catalog.pg_database WHERE datname = $1', [database]);
  if (res.rowCount) return false;
  await db.query(`CREATE DATABASE ${quoteIdent(database)} OWNER ${quoteIdent(owner)}`);
  return true;
}

/**
 * The roles every instance has (as CNPG's instance manager creates them after start): streaming_replica for
 * certificate-authenticated replication, and cnpg_metrics_exporter, unprivileged and passwordless.
 */
export async function ensureSystemRoles(db: Queryable): Promise<string[]> {
  const created: string[] = [];
  if (await ensureLoginRole(db, 'streaming_replica', 'REPLICATION PASSWORD NULL')) {
    await db.query("COMMENT ON ROLE streaming_replica IS 'Special user for streaming replication created by pg-instance-manager'");
    created.push('streaming_replica');
  }
  await enforceCertificateOnly(db, 'streaming_replica');
  if (await ensureLoginRole(db, 'cnpg_metrics_exporter', 'PASSWORD NULL')) created.push('cnpg_metrics_exporter');
  await db.query(
    'ALTER ROLE cnpg_metrics_exporter WITH NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT LOGIN',
  );
  await db.query('GRANT pg_monitor TO cnpg_metrics_exporter');
  // PASSWORD NULL, repaired as CNPG does: the exporter authenticates by peer only.
  if (await roleHasPassword(db, 'cnpg_metrics_exporter')) await setRolePassword(db, 'cnpg_metrics_exporter', null);
  return created;
}

/**
 * streaming_replica authenticates by certificate only (pg_hba `cert` lines). A password would let it in
 * through the catch-all `hostssl all all all scram-sha-256` line without a certificate, so one found there (set by
 * hand, or restored from elsewhere) is removed, and LOGIN REPLICATION is repaired if it drifted.
 */
export async function enforceCertificateOnly(db: Queryable, role: string): Promise<void> {
  const res = await db.query<{ login: boolean; replication: boolean; haspw: boolean }>(
    'SELECT rolcanlogin AS login, rolreplication AS replication, rolpassword IS NOT NULL AS haspw FROM pg_catalog.pg_authid WHERE rolname = $1',
    [role],
  );
  const row = res.rows[0];
  if (!row) return;
  if (!row.login || !row.replication) await db.query(`ALTER ROLE ${quoteIdent(role)} WITH LOGIN REPLICATION`);
  if (row.haspw) await setRolePassword(db, role, null);
}
