// The pure plan of a declarative Database: declared spec vs the database as it is -> the statements that
// make them agree, or the reason nothing may be done. CNPG issues every ALTER on each pass
// (database_controller_sql.go updateDatabase); here only what differs, so a pass over an applied Database
// runs no statement. Creation-only fields are checked against the catalog: CNPG's CRD refuses their change
// (XValidation "self == oldSelf"), which the embedded default has no API server to do.
import type { ExistingDatabase } from '../db/database-catalog.js';
import { alterDatabaseSql, alterExtensionSql, alterSchemaOwnerSql, createDatabaseSql, createExtensionSql, createSchemaSql, dropDatabaseSql, dropExtensionSql, dropSchemaSql } from '../db/database-sql.js';
import type { DatabaseSpec, ExtensionSpec, SchemaSpec } from '../spec/database.js';

export type Plan = { refusal: string } | { statements: string[] };

/** The statements for the database itself. `ownerExists`: whether spec.owner names an existing role. */
export function planDatabase(spec: DatabaseSpec, existing: ExistingDatabase | undefined, ownerExists: boolean): Plan {
  if (spec.ensure === 'absent') return { statements: existing ? dropDatabaseSql(spec.name, existing.isTemplate) : [] };
  if (spec.owner !== '' && !ownerExists) return { refusal: `spec.owner: role "${spec.owner}" does not exist (create it first, e.g. with spec.managed.roles of the Cluster)` };
  if (!existing) return { statements: [createDatabaseSql(spec)] };
  const changed = creationOnlyChanges(spec, existing);
  if (changed.length > 0) {
    return { refusal: `${changed.join('; ')}: creation-only, database "${spec.name}" already exists (drop it, or set ensure: absent, to create it anew)` };
  }
  const alter = alterDatabaseSql;
  const statements: string[] = [];
  if (spec.owner !== '' && spec.owner !== existing.owner) statements.push(alter.owner(spec.name, spec.owner));
  if (spec.allowConnections !== undefined && spec.allowConnections !== existing.allowConnections) statements.push(alter.allowConnections(spec.name, spec.allowConnections));
  if (spec.connectionLimit !== undefined && spec.connectionLimit !== existing.connectionLimit) statements.push(alter.connectionLimit(spec.name, spec.connectionLimit));
  if (spec.isTemplate !== undefined && spec.isTemplate !== existing.isTemplate) statements.push(alter.isTemplate(spec.name, spec.isTemplate));
  if (spec.tablespace !== undefined && spec.tablespace !== existing.tablespace) statements.push(alter.tablespace(spec.name, spec.tablespace));
  return { statements };
}

/**
 * Creation-only fields whose declared value differs from the catalog's, as "spec.field is X, the database
 * has Y". spec.template leaves no trace in the catalog and cannot be checked.
 */
export function creationOnlyChanges(spec: DatabaseSpec, existing: ExistingDatabase): string[] {
  const out: string[] = [];
  const differs = (field: string, declared: string | undefined, actual: string | undefined): void => {
    if (declared !== undefined && declared !== actual) out.push(`spec.${field} is "${declared}", the database has "${actual ?? ''}"`);
  };
  if (spec.encoding !== undefined && existing.declaredEncoding !== existing.encoding) out.push(`spec.encoding is "${spec.encoding}", the database has "${existing.encoding}"`);
  if (spec.locale !== undefined && (spec.locale !== existing.collate || spec.locale !== existing.ctype)) {
    out.push(`spec.locale is "${spec.locale}", the database has LC_COLLATE "${existing.collate}" and LC_CTYPE "${existing.ctype}"`);
  }
  differs('localeCollate', spec.localeCollate, existing.collate);
  differs('localeCType', spec.localeCType, existing.ctype);
  differs('localeProvider', spec.localeProvider, existing.localeProvider);
  differs('icuLocale', spec.icuLocale, existing.icuLocale);
  differs('icuRules', spec.icuRules, existing.icuRules);
  differs('builtinLocale', spec.builtinLocale, existing.builtinLocale);
  differs('collationVersion', spec.collationVersion, existing.collationVersion);
  return out;
}

/** The statements for one extension (database_objects.go: create, update, drop or nothing). */
export function planExtension(ext: ExtensionSpec, existing: { version: string; schema: string } | undefined): string[] {
  if (ext.ensure === 'absent') return existing ? [dropExtensionSql(ext.name)] : [];
  if (!existing) return [createExtensionSql(ext)];
  const statements: string[] = [];
  if (ext.schema !== undefined && ext.schema !== existing.schema) statements.push(alterExtensionSql.schema(ext.name, ext.schema));
  if (ext.version !== undefined && ext.version !== existing.version) statements.push(alterExtensionSql.version(ext.name, ext.version));
  return statements;
}

/** The statements for one schema. */
export function planSchema(schema: SchemaSpec, existing: { owner: string } | undefined): string[] {
  if (schema.ensure === 'absent') return existing ? [dropSchemaSql(schema.name)] : [];
  if (!existing) return [createSchemaSql(schema.name, schema.owner)];
  return schema.owner !== undefined && schema.owner !== existing.owner ? [alterSchemaOwnerSql(schema.name, schema.owner)] : [];
}
