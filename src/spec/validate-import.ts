// spec.bootstrap.initdb.import and the postInit*SQLRefs (CNPG api/v1 Import and SQLRefs, with the webhook's
// rules in internal/webhook/v1/cluster_webhook.go: validateMicroservice, validateMonolith). The import's source
// must be an externalClusters entry with connectionParameters (the dump connects to it with pg_dump).
import { ManifestError } from '../errors.js';
import type { ExternalConnection, ImportSpec, SecretKeyRef, SqlRefs } from './cluster.js';
import { Fields, checkSingleLine } from './fields.js';
import { checkDataKey, checkObjectName } from './secret-refs.js';

const IMPORT_KEYS: ReadonlySet<string> = new Set([
  'source', 'type', 'databases', 'roles', 'postImportApplicationSQL', 'schemaOnly', 'pgDumpExtraOptions',
  'pgRestoreExtraOptions', 'pgRestorePredataOptions', 'pgRestoreDataOptions', 'pgRestorePostdataOptions',
]);
const SQL_REFS_KEYS: ReadonlySet<string> = new Set(['secretRefs', 'configMapRefs']);
const REF_KEYS: ReadonlySet<string> = new Set(['name', 'key', 'optional']);

/** Validates a SQLRefs field (`postInitSQLRefs`...); undefined when absent or empty. */
export function validateSqlRefs(f: Fields, key: string): SqlRefs | undefined {
  const refs = f.child(key);
  if (refs === undefined) return undefined;
  refs.onlyKeys(SQL_REFS_KEYS);
  const list = (which: 'secretRefs' | 'configMapRefs'): SecretKeyRef[] =>
    (refs.objectList(which) ?? []).map((item) => {
      item.onlyKeys(REF_KEYS);
      const name = item.requiredString('name');
      checkObjectName(name, item.at('name'));
      const dataKey = item.requiredString('key');
      checkDataKey(dataKey, item.at('key'));
      return { name, key: dataKey };
    });
  const result: SqlRefs = { secretRefs: list('secretRefs'), configMapRefs: list('configMapRefs') };
  return result.secretRefs.length + result.configMapRefs.length > 0 ? result : undefined;
}

/** Validates spec.bootstrap.initdb.import; `spec` gives externalClusters. */
export function validateImport(f: Fields, spec: Fields): ImportSpec {
  f.onlyKeys(IMPORT_KEYS);
  const sourceFields = f.child('source');
  if (sourceFields === undefined) throw new ManifestError(f.at('source'), 'required (source.externalCluster)');
  sourceFields.onlyKeys(new Set(['externalCluster']));
  const source = sourceFields.requiredString('externalCluster');
  const entry = (spec.objectList('externalClusters') ?? []).find((e) => e.string('name') === source);
  if (!entry) throw new ManifestError(sourceFields.at('externalCluster'), `names "${source}", which is not in spec.externalClusters`);
  if (!entry.has('connectionParameters')) {
    throw new ManifestError(sourceFields.at('externalCluster'), `externalClusters "${source}" has no connectionParameters: the import connects to it with pg_dump`);
  }
  const connection = externalConnection(entry);
  const type = f.oneOf('type', ['microservice', 'monolith'] as const);
  if (type === undefined) throw new ManifestError(f.at('type'), 'required (microservice or monolith)');
  const options = (key: string): string[] => f.stringList(key, checkSingleLine) ?? [];
  const result: ImportSpec = {
    type,
    source,
    connection,
    databases: f.stringList('databases', (v, p) => { checkSingleLine(v, p); if (v === '') throw new ManifestError(p, 'must not be empty'); }) ?? [],
    roles: f.stringList('roles', checkSingleLine) ?? [],
    postImportApplicationSQL: f.stringList('postImportApplicationSQL') ?? [],
    schemaOnly: f.bool('schemaOnly') ?? false,
    pgDumpExtraOptions: options('pgDumpExtraOptions'),
    pgRestoreExtraOptions: options('pgRestoreExtraOptions'),
    pgRestorePredataOptions: options('pgRestorePredataOptions'),
    pgRestoreDataOptions: options('pgRestoreDataOptions'),
    pgRestorePostdataOptions: options('pgRestorePostdataOptions'),
  };
  if (type === 'microservice') checkMicroservice(result, f);
  else checkMonolith(result, f);
  return result;
}

function checkMicroservice(s: ImportSpec, f: Fields): void {
  if (s.databases.length !== 1) throw new ManifestError(f.at('databases'), 'needs exactly one database for the microservice import type');
  if (s.roles.length > 0) throw new ManifestError(f.at('roles'), 'cannot be set for the microservice import type (use monolith)');
  if (s.databases[0]?.includes('*')) throw new ManifestError(`${f.at('databases')}[0]`, 'cannot be a wildcard for the microservice import type');
}

function checkMonolith(s: ImportSpec, f: Fields): void {
  if (s.databases.length < 1) throw new ManifestError(f.at('databases'), 'needs at least one database for the monolith import type');
  if (s.databases.length > 1 && s.databases.includes('*')) throw new ManifestError(f.at('databases'), 'the wildcard "*" cannot be used along other database names');
  if (s.roles.length > 1 && s.roles.includes('*')) throw new ManifestError(f.at('roles'), 'the wildcard "*" cannot be used along other role names');
  if (s.postImportApplicationSQL.length > 0) throw new ManifestError(f.at('postImportApplicationSQL'), 'is not allowed for the monolith import type');
}

// connectionParameters is a map of libpq keywords to strings (api/v1 ExternalCluster); the Secret refs become
// files named <secret>_<key> under <controller>/external/<name>/ (written by reconcile/external-passfiles.ts).
function externalConnection(entry: Fields): ExternalConnection {
  const params = entry.child('connectionParameters');
  const parameters: [string, string][] = [];
  for (const [key, value] of params?.entries() ?? []) {
    const path = params?.at(key) ?? key;
    if (!/^[a-z_]+$/.test(key)) throw new ManifestError(path, 'is not a libpq connection keyword');
    if (typeof value !== 'string') throw new ManifestError(path, 'must be a string (quote the value)');
    checkSingleLine(value, path);
    parameters.push([key, value]);
  }
  const result: ExternalConnection = { parameters: Object.fromEntries(parameters) };
  for (const key of ['password', 'sslCert', 'sslKey', 'sslRootCert'] as const) {
    const ref = entry.child(key);
    if (ref === undefined) continue;
    const name = ref.requiredString('name');
    checkObjectName(name, ref.at('name'));
    const dataKey = ref.requiredString('key');
    checkDataKey(dataKey, ref.at('key'));
    result[key] = { name, key: dataKey }; // eslint-disable-line security/detect-object-injection -- four literal keys
  }
  return result;
}
