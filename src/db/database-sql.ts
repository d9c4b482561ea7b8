// Statement text for declarative Databases (CNPG internal/management/controller/database_controller_sql.go),
// built without a driver: names are quoted identifiers, option values quoted literals (sql-text.ts), so no
// value of a Database object can end a statement or start another. CREATE DATABASE options:
// https://www.postgresql.org/docs/15/sql-createdatabase.html
import type { CreationOptions, DatabaseSpec, ExtensionSpec } from '../spec/database.js';
import { quoteIdent, quoteLiteral } from './sql-text.js';

// The creation-only options whose value is a string (not a name): sent as literals, which CREATE DATABASE
// accepts for every one of them (createdb_opt_item's value is an opt_boolean_or_string).
const LITERAL_OPTIONS: readonly [keyof CreationOptions, string][] = [
  ['encoding', 'ENCODING'],
  ['locale', 'LOCALE'],
  ['localeProvider', 'LOCALE_PROVIDER'],
  ['localeCollate', 'LC_COLLATE'],
  ['localeCType', 'LC_CTYPE'],
  ['icuLocale', 'ICU_LOCALE'],
  ['icuRules', 'ICU_RULES'],
  ['builtinLocale', 'BUILTIN_LOCALE'],
  ['collationVersion', 'COLLATION_VERSION'],
];

/** CREATE DATABASE with every option the spec sets. */
export function createDatabaseSql(spec: DatabaseSpec): string {
  const parts = [`CREATE DATABASE ${quoteIdent(spec.name)}`];
  if (spec.owner !== '') parts.push(`OWNER ${quoteIdent(spec.owner)}`);
  if (spec.template !== undefined) parts.push(`TEMPLATE ${quoteIdent(spec.template)}`);
  if (spec.tablespace !== undefined) parts.push(`TABLESPACE ${quoteIdent(spec.tablespace)}`);
  if (spec.allowConnections !== undefined) parts.push(`ALLOW_CONNECTIONS ${spec.allowConnections}`);
  if (spec.connectionLimit !== undefined) parts.push(`CONNECTION LIMIT ${spec.connectionLimit}`);
  if (spec.isTemplate !== undefined) parts.push(`IS_TEMPLATE ${spec.isTemplate}`);
  for (const [field, keyword] of LITERAL_OPTIONS) {
    const value = spec[field]; // eslint-disable-line security/detect-object-injection -- fixed field list
    if (value !== undefined) parts.push(`${keyword} ${quoteLiteral(value).trim()}`);
  }
  return parts.join(' ');
}

/** The ALTER DATABASE statements of the alterable options (database_controller_sql.go updateDatabase). */
export const alterDatabaseSql = {
  owner: (db: string, owner: string): string => `ALTER DATABASE ${quoteIdent(db)} OWNER TO ${quoteIdent(owner)}`,
  allowConnections: (db: string, allow: boolean): string => `ALTER DATABASE ${quoteIdent(db)} WITH ALLOW_CONNECTIONS ${allow}`,
  connectionLimit: (db: string, limit: number): string => `ALTER DATABASE ${quoteIdent(db)} WITH CONNECTION LIMIT ${limit}`,
  isTemplate: (db: string, template: boolean): string => `ALTER DATABASE ${quoteIdent(db)} WITH IS_TEMPLATE ${template}`,
  tablespace: (db: string, tablespace: string): string => `ALTER DATABASE ${quoteIdent(db)} SET TABLESPACE ${quoteIdent(tablespace)}`,
};

/** DROP DATABASE IF EXISTS (a template database must first stop being one: PostgreSQL refuses to drop it). */
export function dropDatabaseSql(db: string, isTemplate: boolean): string[] {
  return [...(isTemplate ? [alterDatabaseSql.isTemplate(db, false)] : []), `DROP DATABASE IF EXISTS ${quoteIdent(db)}`];
}

/** CREATE EXTENSION with its version and schema when given. */
export function createExtensionSql(ext: ExtensionSpec): string {
  const version = ext.version === undefined ? '' : ` VERSION ${quoteLiteral(ext.version).trim()}`;
  const schema = ext.schema === undefined ? '' : ` SCHEMA ${quoteIdent(ext.schema)}`;
  return `CREATE EXTENSION ${quoteIdent(ext.name)}${version}${schema}`;
}

export const alterExtensionSql = {
  schema: (name: string, schema: string): string => `ALTER EXTENSION ${quoteIdent(name)} SET SCHEMA ${quoteIdent(schema)}`,
  version: (name: string, version: string): string => `ALTER EXTENSION ${quoteIdent(name)} UPDATE TO ${quoteLiteral(version).trim()}`,
};

/** DROP EXTENSION IF EXISTS (no CASCADE: objects that depend on it make the drop fail, as in CNPG). */
export function dropExtensionSql(name: string): string {
  return `DROP EXTENSION IF EXISTS ${quoteIdent(name)}`;
}

/** CREATE SCHEMA, with AUTHORIZATION when an owner is given. */
export function createSchemaSql(name: string, owner: string | undefined): string {
  return `CREATE SCHEMA ${quoteIdent(name)}${owner === undefined ? '' : ` AUTHORIZATION ${quoteIdent(owner)}`}`;
}

export function alterSchemaOwnerSql(name: string, owner: string): string {
  return `ALTER SCHEMA ${quoteIdent(name)} OWNER TO ${quoteIdent(owner)}`;
}

/** DROP SCHEMA IF EXISTS (no CASCADE: a schema that still holds objects is kept, the status says why). */
export function dropSchemaSql(name: string): string {
  return `DROP SCHEMA IF EXISTS ${quoteIdent(name)}`;
}
