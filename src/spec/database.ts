// A postgresql.cnpg.io/v1 Database object, validated (CNPG api/v1/database_types.go DatabaseSpec). The CRD's
// own checks are repeated here, since the embedded default has no API server to run them: the reserved
// names, ensure/databaseReclaimPolicy enums, the locale-provider rules of its XValidation markers, and the
// admission webhook's unique names (internal/webhook/v1/database_webhook.go).
import { ManifestError } from '../errors.js';
import { Fields, describeType, isMapping } from './fields.js';
import { fdwsFrom, serversFrom, unique, type FdwSpec, type ServerSpec } from './database-foreign.js';
import { sqlIdentifier } from './sql-identifier.js';

export type Ensure = 'present' | 'absent';

export interface SchemaSpec {
  name: string;
  ensure: Ensure;
  owner?: string;
}

export interface ExtensionSpec {
  name: string;
  ensure: Ensure;
  version?: string;
  schema?: string;
}

/** The creation-only options of CREATE DATABASE, by their CNPG field names. */
export interface CreationOptions {
  template?: string;
  encoding?: string;
  locale?: string;
  localeProvider?: string;
  localeCollate?: string;
  localeCType?: string;
  icuLocale?: string;
  icuRules?: string;
  builtinLocale?: string;
  collationVersion?: string;
}

export interface DatabaseSpec extends CreationOptions {
  cluster: string;
  ensure: Ensure;
  name: string;
  owner: string;
  isTemplate?: boolean;
  allowConnections?: boolean;
  connectionLimit?: number;
  tablespace?: string;
  reclaimPolicy: 'delete' | 'retain';
  schemas: SchemaSpec[];
  extensions: ExtensionSpec[];
  fdws: FdwSpec[];
  servers: ServerSpec[];
}

/** A Database object: its metadata.name (where status goes), generation and spec. */
export interface DatabaseObject {
  objectName: string;
  generation: number;
  spec: DatabaseSpec;
}

/** CNPG's CRD refuses these names (database_types.go, XValidation on spec.name). */
export const RESERVED_DATABASE_NAMES: readonly string[] = ['postgres', 'template0', 'template1'];

export const CREATION_FIELDS: readonly (keyof CreationOptions)[] = [
  'template', 'encoding', 'locale', 'localeProvider', 'localeCollate', 'localeCType', 'icuLocale', 'icuRules', 'builtinLocale', 'collationVersion',
];

const SPEC_KEYS: ReadonlySet<string> = new Set([
  'cluster', 'ensure', 'name', 'owner', 'isTemplate', 'allowConnections', 'connectionLimit', 'tablespace', 'databaseReclaimPolicy', 'schemas', 'extensions', 'fdws', 'servers',
  ...CREATION_FIELDS,
]);
const ENSURE: readonly Ensure[] = ['present', 'absent'];

/** A Kubernetes object name (RFC 1123 subdomain), which is also one safe path component (no '/', never '.' or '..'). */
export function isObjectName(name: string): boolean {
  return name.length <= 253 && /^[a-z0-9][-a-z0-9.]*$/.test(name) && /[a-z0-9]$/.test(name);
}

/** metadata.name of a decoded object, when it has one (a status can be written only then). */
export function objectName(value: unknown): string | undefined {
  const md = isMapping(value) ? value.metadata : undefined;
  const name = isMapping(md) ? md.name : undefined;
  return typeof name === 'string' && name !== '' ? name : undefined;
}

/** Validates one decoded Database object; throws ManifestError naming the bad field. */
export function databaseFromObject(value: unknown): DatabaseObject {
  if (!isMapping(value)) throw new ManifestError('Database', `must be an object, got ${describeType(value)}`);
  const root = Fields.of(value, '');
  if (root.get('apiVersion') !== 'postgresql.cnpg.io/v1') throw new ManifestError('apiVersion', 'must be postgresql.cnpg.io/v1');
  if (root.get('kind') !== 'Database') throw new ManifestError('kind', 'must be Database');
  const metadata = Fields.of(root.get('metadata') ?? {}, 'metadata');
  const name = metadata.requiredString('name');
  if (!isObjectName(name)) {
    throw new ManifestError('metadata.name', `must be a Kubernetes object name (lower-case letters, digits, '-', '.'), got "${name.slice(0, 64)}"`);
  }
  const generation = metadata.int('generation', 0, Number.MAX_SAFE_INTEGER) ?? 1;
  return { objectName: name, generation, spec: databaseSpec(Fields.of(root.get('spec') ?? {}, 'spec')) };
}

function databaseSpec(s: Fields): DatabaseSpec {
  s.onlyKeys(SPEC_KEYS);
  const cluster = Fields.of(s.get('cluster') ?? {}, s.at('cluster')).requiredString('name');
  const name = identifier(s, 'name', true) ?? '';
  if (RESERVED_DATABASE_NAMES.includes(name)) throw new ManifestError(s.at('name'), `the name ${name} is reserved`);
  const fdws = fdwsFrom(s);
  const spec: DatabaseSpec = {
    cluster,
    ensure: s.oneOf('ensure', ENSURE) ?? 'present',
    name,
    owner: identifier(s, 'owner', false) ?? '',
    reclaimPolicy: s.oneOf('databaseReclaimPolicy', ['delete', 'retain'] as const) ?? 'retain',
    schemas: objects(s, 'schemas').map((f) => ({ ...objectSpec(f), ...opt('owner', identifier(f, 'owner', false)) })),
    extensions: objects(s, 'extensions').map((f) => ({ ...objectSpec(f), ...opt('version', identifier(f, 'version', false)), ...opt('schema', identifier(f, 'schema', false)) })),
    fdws,
    servers: serversFrom(s, fdws),
  };
  for (const key of CREATION_FIELDS) Object.assign(spec, opt(key, identifier(s, key, false)));
  Object.assign(spec, opt('tablespace', identifier(s, 'tablespace', false)), opt('isTemplate', s.bool('isTemplate')), opt('allowConnections', s.bool('allowConnections')));
  Object.assign(spec, opt('connectionLimit', s.int('connectionLimit', -1)));
  // The CRD's XValidation rules on DatabaseSpec.
  for (const [field, provider] of [['builtinLocale', 'builtin'], ['icuLocale', 'icu'], ['icuRules', 'icu']] as const) {
    // eslint-disable-next-line security/detect-object-injection -- fixed field list
    if (spec[field] !== undefined && spec.localeProvider !== provider) throw new ManifestError(s.at(field), `is only available when localeProvider is set to \`${provider}\``);
  }
  return spec;
}

function objects(s: Fields, key: string): Fields[] {
  const list = s.objectList(key) ?? [];
  unique(list, 'name');
  return list;
}

function objectSpec(f: Fields): { name: string; ensure: Ensure } {
  f.onlyKeys(new Set(['name', 'ensure', 'owner', 'version', 'schema']));
  return { name: identifier(f, 'name', true) ?? '', ensure: f.oneOf('ensure', ENSURE) ?? 'present' };
}

function identifier(f: Fields, key: string, required: boolean): string | undefined {
  return sqlIdentifier(f, key, required, key === 'icuRules');
}

function opt<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}
