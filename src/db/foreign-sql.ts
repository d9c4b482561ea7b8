// Statement text for the foreign data wrappers and foreign servers of a declarative Database (CNPG
// internal/management/controller/database_controller_sql.go createDatabaseFDW, updateDatabaseFDW,
// createDatabaseForeignServer, applyObjectPrivilege). Names are quoted identifiers, option values quoted
// literals (sql-text.ts). Each builder takes `literal`, so the same text can be logged with the values left
// out (an option may hold a secret): https://www.postgresql.org/docs/15/sql-createforeigndatawrapper.html,
// sql-alterforeigndatawrapper.html, sql-createserver.html, sql-alterserver.html, sql-grant.html.
import type { FdwSpec, OptionSpec, ServerSpec } from '../spec/database-foreign.js';
import { quoteIdent, quoteLiteral } from './sql-text.js';

export type Literal = (value: string) => string;

/** The real quoting (for the statement sent). */
export const realLiteral: Literal = (value) => quoteLiteral(value).trim();
/** Values left out (for the log line). */
export const hiddenLiteral: Literal = () => "'…'";

/** A clause for "HANDLER x" / "NO HANDLER" (CNPG and PostgreSQL's catalog both spell "none" as "-"). */
function functionClause(keyword: 'HANDLER' | 'VALIDATOR', fn: string): string {
  return fn === '-' ? `NO ${keyword}` : `${keyword} ${quoteIdent(fn)}`;
}

function optionsClause(clauses: string[]): string {
  return clauses.length === 0 ? '' : ` OPTIONS (${clauses.join(', ')})`;
}

/** The present options, as "name 'value'" for a CREATE (CNPG extractOptionsClauses). */
function createOptions(options: readonly OptionSpec[], literal: Literal): string[] {
  return options.filter((o) => o.ensure === 'present').map((o) => `${quoteIdent(o.name)} ${literal(o.value)}`);
}

/** ADD / SET / DROP clauses for what differs from `current`, in the declared order (CNPG calculateAlterOptionsClauses). */
export function alterOptionClauses(options: readonly OptionSpec[], current: ReadonlyMap<string, string>, literal: Literal): string[] {
  const out: string[] = [];
  for (const o of options) {
    const now = current.get(o.name);
    if (o.ensure === 'present' && now === undefined) out.push(`ADD ${quoteIdent(o.name)} ${literal(o.value)}`);
    else if (o.ensure === 'present' && now !== o.value) out.push(`SET ${quoteIdent(o.name)} ${literal(o.value)}`);
    else if (o.ensure === 'absent' && now !== undefined) out.push(`DROP ${quoteIdent(o.name)}`);
  }
  return out;
}

/** CREATE FOREIGN DATA WRAPPER with its handler, validator and present options. */
export function createFdwSql(fdw: FdwSpec, literal: Literal): string {
  const handler = fdw.handler === undefined ? '' : ` ${functionClause('HANDLER', fdw.handler)}`;
  const validator = fdw.validator === undefined ? '' : ` ${functionClause('VALIDATOR', fdw.validator)}`;
  return `CREATE FOREIGN DATA WRAPPER ${quoteIdent(fdw.name)}${handler}${validator}${optionsClause(createOptions(fdw.options, literal))}`;
}

/** The ALTER FOREIGN DATA WRAPPER statements, one per kind of change (as CNPG updateDatabaseFDW). */
export const alterFdwSql = {
  handler: (name: string, fn: string): string => `ALTER FOREIGN DATA WRAPPER ${quoteIdent(name)} ${functionClause('HANDLER', fn)}`,
  validator: (name: string, fn: string): string => `ALTER FOREIGN DATA WRAPPER ${quoteIdent(name)} ${functionClause('VALIDATOR', fn)}`,
  owner: (name: string, owner: string): string => `ALTER FOREIGN DATA WRAPPER ${quoteIdent(name)} OWNER TO ${quoteIdent(owner)}`,
  options: (name: string, clauses: string[]): string => `ALTER FOREIGN DATA WRAPPER ${quoteIdent(name)}${optionsClause(clauses)}`,
};

/** DROP FOREIGN DATA WRAPPER IF EXISTS, without CASCADE as CNPG: a wrapper with servers is kept, the status says why. */
export function dropFdwSql(name: string): string {
  return `DROP FOREIGN DATA WRAPPER IF EXISTS ${quoteIdent(name)}`;
}

/** CREATE SERVER ... FOREIGN DATA WRAPPER with its present options. */
export function createServerSql(server: ServerSpec, literal: Literal): string {
  return `CREATE SERVER ${quoteIdent(server.name)} FOREIGN DATA WRAPPER ${quoteIdent(server.fdw)}${optionsClause(createOptions(server.options, literal))}`;
}

/** ALTER SERVER ... OPTIONS (ADD/SET/DROP ...). */
export function alterServerOptionsSql(name: string, clauses: string[]): string {
  return `ALTER SERVER ${quoteIdent(name)}${optionsClause(clauses)}`;
}

/** DROP SERVER IF EXISTS, without CASCADE as CNPG: a server with user mappings or foreign tables is kept. */
export function dropServerSql(name: string): string {
  return `DROP SERVER IF EXISTS ${quoteIdent(name)}`;
}

export type ForeignKind = 'FOREIGN DATA WRAPPER' | 'FOREIGN SERVER';

/** PUBLIC, whatever its case, is the keyword (every role), never a quoted role name (CNPG sanitizeGrantee). */
export function granteeName(role: string): string {
  return role.toUpperCase() === 'PUBLIC' ? 'PUBLIC' : role;
}

/** GRANT / REVOKE USAGE ON FOREIGN DATA WRAPPER|FOREIGN SERVER. */
export function usageSql(kind: ForeignKind, object: string, role: string, type: 'grant' | 'revoke'): string {
  const grantee = granteeName(role) === 'PUBLIC' ? 'PUBLIC' : quoteIdent(role);
  return type === 'grant' ? `GRANT USAGE ON ${kind} ${quoteIdent(object)} TO ${grantee}` : `REVOKE USAGE ON ${kind} ${quoteIdent(object)} FROM ${grantee}`;
}
