// The statements of declarative role management (spec.managed.roles), as CNPG's instance manager runs them
// (internal/management/controller/roles/postgres.go): the catalog read, CREATE/ALTER ROLE with every
// attribute spelled out, COMMENT ON ROLE, GRANT/REVOKE of memberships in one transaction, DROP ROLE. A
// statement that carries a password runs with statement logging off (runWithoutStatementLogging).
import type { ManagedRole } from '../spec/validate-managed-roles.js';
import type { Client, PoolClient } from './pool.js';
import { passwordClause, runWithoutStatementLogging } from './roles.js';
import { quoteIdent, quoteLiteral } from './sql-text.js';

type Queryable = Client | PoolClient;

/** A role as the catalog has it. */
export interface DbRole {
  name: string;
  superuser: boolean;
  inherit: boolean;
  createrole: boolean;
  createdb: boolean;
  login: boolean;
  replication: boolean;
  bypassrls: boolean;
  connectionLimit: number;
  /** rolvaliduntil in epoch milliseconds (Infinity for 'infinity'); null when never set. */
  validUntil: number | null;
  comment: string;
  /** xmin of its pg_authid row: changes with every ALTER ROLE, ours or anyone's. */
  transactionId: number;
  /** The roles it is a member of. */
  inRoles: string[];
}

/** What to do with a role's password: leave it, remove it (PASSWORD NULL), or set it from a Secret. */
export type PasswordChange = { kind: 'keep' } | { kind: 'null' } | { kind: 'set'; value: string; passthrough: boolean };

/** CNPG List(), with every role (pg_* too: inRoles may name them) and memberships deduplicated. */
export async function listRoles(db: Queryable): Promise<DbRole[]> {
  const res = await db.query<{
    rolname: string; rolsuper: boolean; rolinherit: boolean; rolcreaterole: boolean; rolcreatedb: boolean; rolcanlogin: boolean;
    rolreplication: boolean; rolbypassrls: boolean; rolconnlimit: number; validuntil: number | null; comment: string | null; xmin: string; inroles: string[] | null;
  }>(
    `SELECT a.rolname, a.rolsuper, a.rolinherit, a.rolcreaterole, a.rolcreatedb, a.rolcanlogin, a.rolreplication, a.rolbypassrls,
            a.rolconnlimit, (extract(epoch FROM a.rolvaliduntil) * 1000)::float8 AS validuntil,
            pg_catalog.shobj_description(a.oid, 'pg_authid') AS comment, a.xmin::text AS xmin,
            (SELECT pg_catalog.array_agg(DISTINCT pg_catalog.pg_get_userbyid(m.roleid)::text) FROM pg_catalog.pg_auth_members m WHERE m.member = a.oid) AS inroles
       FROM pg_catalog.pg_authid a ORDER BY a.rolname`,
  );
  return res.rows.map((r) => ({
    name: r.rolname,
    superuser: r.rolsuper,
    inherit: r.rolinherit,
    createrole: r.rolcreaterole,
    createdb: r.rolcreatedb,
    login: r.rolcanlogin,
    replication: r.rolreplication,
    bypassrls: r.rolbypassrls,
    connectionLimit: r.rolconnlimit,
    validUntil: r.validuntil,
    comment: r.comment ?? '',
    transactionId: Number(r.xmin),
    inRoles: r.inroles ?? [],
  }));
}

/** The attribute list, every one spelled out so an ALTER also takes back what was changed by hand. */
export function roleOptions(role: ManagedRole): string {
  const flag = (on: boolean, word: string): string => (on ? word : `NO${word}`);
  return [
    flag(role.bypassrls, 'BYPASSRLS'), flag(role.createdb, 'CREATEDB'), flag(role.createrole, 'CREATEROLE'), flag(role.inherit, 'INHERIT'),
    flag(role.login, 'LOGIN'), flag(role.replication, 'REPLICATION'), flag(role.superuser, 'SUPERUSER'), `CONNECTION LIMIT ${role.connectionLimit}`,
  ].join(' ');
}

// PASSWORD and VALID UNTIL (CNPG appendPasswordOption). `infinity`: a validUntil removed from the spec, since
// PostgreSQL cannot set rolvaliduntil back to NULL.
function passwordAndExpiry(role: ManagedRole, password: PasswordChange, infinity: boolean): string {
  const parts: string[] = [];
  if (password.kind === 'null') parts.push(passwordClause(null));
  if (password.kind === 'set') parts.push(passwordClause(password.value, { passthrough: password.passthrough }));
  if (role.validUntil !== undefined) parts.push(`VALID UNTIL ${quoteLiteral(role.validUntil)}`);
  else if (infinity) parts.push("VALID UNTIL 'infinity'");
  return parts.map((p) => ` ${p}`).join('');
}

/** CREATE ROLE with its attributes, memberships, password and expiry. */
export function createRoleStatement(role: ManagedRole, password: PasswordChange): string {
  const inRoles = role.inRoles.length > 0 ? ` IN ROLE ${role.inRoles.map(quoteIdent).join(', ')}` : '';
  return `CREATE ROLE ${quoteIdent(role.name)} WITH ${roleOptions(role)}${inRoles}${passwordAndExpiry(role, password, false)}`;
}

/** ALTER ROLE back to the declaration (memberships and comment are separate statements). */
export function alterRoleStatement(role: ManagedRole, password: PasswordChange, validUntilInfinity: boolean): string {
  return `ALTER ROLE ${quoteIdent(role.name)} WITH ${roleOptions(role)}${passwordAndExpiry(role, password, validUntilInfinity)}`;
}

async function run(db: Queryable, statement: string, password: PasswordChange): Promise<void> {
  if (password.kind === 'set') await runWithoutStatementLogging(db, statement);
  else await db.query(statement);
}

/** Creates the role, then its comment when there is one. */
export async function createRole(db: Queryable, role: ManagedRole, password: PasswordChange): Promise<void> {
  await run(db, createRoleStatement(role, password), password);
  if (role.comment !== '') await setRoleComment(db, role.name, role.comment);
}

/** Alters the role's attributes, password and expiry. */
export async function alterRole(db: Queryable, role: ManagedRole, password: PasswordChange, validUntilInfinity: boolean): Promise<void> {
  await run(db, alterRoleStatement(role, password, validUntilInfinity), password);
}

/** COMMENT ON ROLE; an empty comment removes it. */
export async function setRoleComment(db: Queryable, name: string, comment: string): Promise<void> {
  await db.query(`COMMENT ON ROLE ${quoteIdent(name)} IS ${comment === '' ? 'NULL' : quoteLiteral(comment)}`);
}

/** GRANT and REVOKE memberships in one transaction: all or none (CNPG UpdateMembership). */
export async function updateMemberships(db: Queryable, name: string, grant: string[], revoke: string[]): Promise<void> {
  if (grant.length + revoke.length === 0) return;
  await db.query('BEGIN');
  try {
    for (const parent of grant) await db.query(`GRANT ${quoteIdent(parent)} TO ${quoteIdent(name)}`);
    for (const parent of revoke) await db.query(`REVOKE ${quoteIdent(parent)} FROM ${quoteIdent(name)}`);
    await db.query('COMMIT');
  } catch (err) {
    await db.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

/** DROP ROLE IF EXISTS: fails (2BP01) while the role owns objects or holds privileges. */
export async function dropRole(db: Queryable, name: string): Promise<void> {
  await db.query(`DROP ROLE IF EXISTS ${quoteIdent(name)}`);
}

/** The role's pg_authid xmin now (CNPG GetLastTransactionID). */
export async function roleTransactionId(db: Queryable, name: string): Promise<number | undefined> {
  const res = await db.query<{ xmin: string }>('SELECT xmin::text AS xmin FROM pg_catalog.pg_authid WHERE rolname = $1', [name]);
  const xmin = res.rows[0]?.xmin;
  return xmin === undefined ? undefined : Number(xmin);
}
