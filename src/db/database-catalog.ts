// What a declarative Database is compared with: the catalog rows of the database, its owner role, and
// its extensions and schemas (CNPG database_controller_sql.go detectDatabase, getDatabaseExtensionInfo,
// getDatabaseSchemaInfo). The pg_database row is read as JSON so one query fits every major version:
// ICU columns appeared in 15 (daticulocale), 16 (daticurules) and were renamed in 17 (datlocale).
import type { Client, PoolClient } from './pool.js';

type Queryable = Client | PoolClient;

/** A database as it is, in the words of a Database spec. */
export interface ExistingDatabase {
  owner: string;
  allowConnections: boolean;
  connectionLimit: number;
  isTemplate: boolean;
  tablespace: string;
  /** Encoding name (pg_encoding_to_char), and the spec's encoding normalised the same way (aliases resolved). */
  encoding: string;
  declaredEncoding?: string;
  collate: string;
  ctype: string;
  localeProvider: 'libc' | 'icu' | 'builtin';
  icuLocale?: string;
  icuRules?: string;
  builtinLocale?: string;
  collationVersion?: string;
}

const PROVIDERS: Record<string, ExistingDatabase['localeProvider']> = { c: 'libc', i: 'icu', b: 'builtin' };

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** The database `name`, or undefined when there is none. `encoding`: the spec's, normalised by the server. */
export async function readDatabase(db: Queryable, name: string, encoding?: string): Promise<ExistingDatabase | undefined> {
  const res = await db.query<{ row: Record<string, unknown>; owner: string; tablespace: string; encoding: string; declared: string | null }>(
    `SELECT to_jsonb(d) AS row, pg_catalog.pg_get_userbyid(d.datdba) AS owner, t.spcname AS tablespace,
            pg_catalog.pg_encoding_to_char(d.encoding) AS encoding,
            CASE WHEN $2::text IS NULL THEN NULL ELSE pg_catalog.pg_encoding_to_char(pg_catalog.pg_char_to_encoding($2::text)) END AS declared
       FROM pg_catalog.pg_database d JOIN pg_catalog.pg_tablespace t ON t.oid = d.dattablespace
      WHERE d.datname = $1`,
    [name, encoding ?? null],
  );
  const r = res.rows[0];
  if (!r) return undefined;
  const row = r.row;
  const provider = PROVIDERS[text(row.datlocprovider) ?? 'c'] ?? 'libc';
  const locale = text(row.daticulocale) ?? text(row.datlocale);
  const found: ExistingDatabase = {
    owner: r.owner,
    allowConnections: row.datallowconn === true,
    connectionLimit: typeof row.datconnlimit === 'number' ? row.datconnlimit : -1,
    isTemplate: row.datistemplate === true,
    tablespace: r.tablespace,
    encoding: r.encoding,
    collate: text(row.datcollate) ?? '',
    ctype: text(row.datctype) ?? '',
    localeProvider: provider,
  };
  // An unknown encoding name normalises to '' (pg_char_to_encoding gives -1): kept, so it shows as a change.
  if (r.declared !== null) found.declaredEncoding = r.declared === '' ? `${encoding ?? ''} (unknown)` : r.declared;
  if (locale !== undefined && provider === 'icu') found.icuLocale = locale;
  if (locale !== undefined && provider === 'builtin') found.builtinLocale = locale;
  const rules = text(row.daticurules);
  if (rules !== undefined) found.icuRules = rules;
  const version = text(row.datcollversion);
  if (version !== undefined) found.collationVersion = version;
  return found;
}

/** True when the role exists. */
export async function roleExists(db: Queryable, role: string): Promise<boolean> {
  const res = await db.query('SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = $1', [role]);
  return (res.rowCount ?? 0) > 0;
}

/** An installed extension's version and schema, or undefined. */
export async function readExtension(db: Queryable, name: string): Promise<{ version: string; schema: string } | undefined> {
  const res = await db.query<{ version: string; schema: string }>(
    'SELECT e.extversion AS version, n.nspname AS schema FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = $1',
    [name],
  );
  return res.rows[0];
}

/** A schema's owner, or undefined when there is no such schema. */
export async function readSchema(db: Queryable, name: string): Promise<{ owner: string } | undefined> {
  const res = await db.query<{ owner: string }>('SELECT pg_catalog.pg_get_userbyid(nspowner) AS owner FROM pg_catalog.pg_namespace WHERE nspname = $1', [name]);
  return res.rows[0];
}

/** Runs the statements one by one (CREATE/DROP DATABASE cannot run inside a transaction block). */
export async function runStatements(db: Queryable, statements: readonly string[]): Promise<void> {
  for (const statement of statements) await db.query(statement);
}
