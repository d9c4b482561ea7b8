// The roles of a monolith import (CNPG pkg/management/postgres/logicalimport/role.go, roleinheritance.go):
// read from the source's pg_authid (roles from FirstNormalObjectId 16384 on, src/include/access/transam.h),
// minus the ones every CNPG cluster has and the owner; created on this instance without SUPERUSER; then
// their memberships granted. Pure: rows in, SQL out. The source is read with psql as JSON (import-source.ts).
import { quoteIdent, quoteLiteral } from '../db/sql-text.js';

/** One row of the source's pg_authid, as the roles query returns it. */
export interface SourceRole {
  rolname: string;
  rolsuper: boolean;
  rolinherit: boolean;
  rolcreaterole: boolean;
  rolcreatedb: boolean;
  rolcanlogin: boolean;
  rolbypassrls: boolean;
  rolconnlimit: number;
  rolpassword: string | null;
  rolvaliduntil: string | null;
}

/** One membership between two imported-range roles. */
export interface SourceMembership {
  roleid: string;
  member: string;
  admin_option: boolean;
  grantor: string | null;
}

/** The roles query (getRoles, PostgreSQL >= 9.5), one JSON array. Needs a superuser on the source. */
export const SOURCE_ROLES_QUERY = `SELECT coalesce(json_agg(r ORDER BY r.rolname), '[]') FROM (SELECT rolname, rolsuper, rolinherit,
 rolcreaterole, rolcreatedb, rolcanlogin, rolconnlimit, rolpassword, rolvaliduntil::text AS rolvaliduntil, rolbypassrls
 FROM pg_catalog.pg_authid WHERE oid >= 16384) r`;

/** The memberships query (getRoleInheritance), one JSON array. */
export const SOURCE_MEMBERSHIPS_QUERY = `SELECT coalesce(json_agg(m), '[]') FROM (SELECT ur.rolname AS roleid, um.rolname AS member,
 a.admin_option, ug.rolname AS grantor FROM pg_catalog.pg_auth_members a
 LEFT JOIN pg_catalog.pg_authid ur ON ur.oid = a.roleid LEFT JOIN pg_catalog.pg_authid um ON um.oid = a.member
 LEFT JOIN pg_catalog.pg_authid ug ON ug.oid = a.grantor WHERE ur.oid >= 16384 AND um.oid >= 16384) m`;

// Roles every CNPG cluster manages itself (apiv1.StreamingReplicationUser, PGBouncerPoolerUserName,
// MetricsExporterUserName), plus postgres and the new cluster's owner.
const ALWAYS_SKIPPED = ['postgres', 'streaming_replica', 'cnpg_pooler_pgbouncer', 'cnpg_metrics_exporter'];

/** The roles to create: those `wanted` names (or all, with "*"), minus the skipped ones. */
export function rolesToImport(rows: readonly SourceRole[], wanted: readonly string[], owner: string): SourceRole[] {
  const skipped = new Set([...ALWAYS_SKIPPED, owner]);
  return rows.filter((r) => !skipped.has(r.rolname) && (wanted.includes('*') || wanted.includes(r.rolname)));
}

/** CREATE ROLE for one source role, never SUPERUSER (createSQLStatement; superusers are downgraded). */
export function createRoleStatement(r: SourceRole): string {
  const parts = [`CREATE ROLE ${quoteIdent(r.rolname)} WITH`];
  if (r.rolcreatedb) parts.push('CREATEDB');
  parts.push(r.rolcanlogin ? 'LOGIN' : 'NOLOGIN');
  if (r.rolinherit) parts.push('INHERIT');
  if (r.rolcreaterole) parts.push('CREATEROLE');
  if (r.rolbypassrls) parts.push('BYPASSRLS');
  if (r.rolvaliduntil !== null) parts.push(`VALID UNTIL ${quoteLiteral(r.rolvaliduntil)}`);
  // The stored verifier (SCRAM or md5) is passed on as it is: the role keeps its password.
  if (r.rolpassword !== null) parts.push(`PASSWORD ${quoteLiteral(r.rolpassword)}`);
  parts.push(`CONNECTION LIMIT ${Math.trunc(r.rolconnlimit)}`);
  return parts.join(' ');
}

/** GRANT role TO member [WITH ADMIN OPTION] [GRANTED BY grantor] (importRoleInheritance). */
export function grantStatement(m: SourceMembership): string {
  return [
    `GRANT ${quoteIdent(m.roleid)} TO ${quoteIdent(m.member)}`,
    ...(m.admin_option ? ['WITH ADMIN OPTION'] : []),
    ...(m.grantor !== null ? [`GRANTED BY ${quoteIdent(m.grantor)}`] : []),
  ].join(' ');
}
