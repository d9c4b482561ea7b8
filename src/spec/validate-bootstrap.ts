// spec.bootstrap: initdb (with its SQL refs and logical import, validate-import.ts), recovery from an object
// store or volume snapshots (bootstrap/recovery-step.ts) and pg_basebackup from an external cluster
// (bootstrap/clone-external-step.ts).
import { ManifestError } from '../errors.js';
import { CLUSTER_DEFAULTS, type InitdbSpec, type RecoverySpec } from './cluster.js';
import { validateRecovery } from './validate-recovery.js';
import { validatePgBasebackup } from './validate-replica.js';
import { Fields, checkSingleLine } from './fields.js';
import { validateImport, validateSqlRefs } from './validate-import.js';

const BOOTSTRAP_KEYS: ReadonlySet<string> = new Set(['initdb', 'recovery', 'pg_basebackup']);
// BootstrapInitDB in api/v1/cluster_types.go.
const INITDB_KEYS: ReadonlySet<string> = new Set([
  'database', 'owner', 'secret', 'options', 'dataChecksums', 'encoding', 'localeCollate', 'localeCType', 'locale',
  'localeProvider', 'icuLocale', 'icuRules', 'builtinLocale', 'walSegmentSize', 'postInitSQL',
  'postInitApplicationSQL', 'postInitTemplateSQL', 'import', 'postInitApplicationSQLRefs', 'postInitTemplateSQLRefs',
  'postInitSQLRefs',
]);
const LOCAL_REF_KEYS: ReadonlySet<string> = new Set(['name']);

/** Validates spec.bootstrap (absent means initdb with every default, as in CNPG). */
export function validateBootstrap(spec: Fields, clusterName: string): { initdb: InitdbSpec; recovery?: RecoverySpec; pgBasebackup?: { source: string } } {
  const bootstrap = spec.child('bootstrap');
  bootstrap?.onlyKeys(BOOTSTRAP_KEYS);
  const methods = [...BOOTSTRAP_KEYS].filter((k) => bootstrap?.has(k));
  if (bootstrap && methods.length > 1) throw new ManifestError(bootstrap.at(methods[1] ?? ''), `${methods.join(', ')} are mutually exclusive: choose one bootstrap method`);
  const recoveryFields = bootstrap?.child('recovery');
  const basebackupFields = bootstrap?.child('pg_basebackup');
  const initdb = bootstrap?.child('initdb') ?? Fields.of({}, bootstrap?.at('initdb') ?? 'spec.bootstrap.initdb');
  const result: { initdb: InitdbSpec; recovery?: RecoverySpec; pgBasebackup?: { source: string } } = { initdb: validateInitdb(initdb, clusterName, spec) };
  if (recoveryFields) result.recovery = validateRecovery(recoveryFields, spec);
  if (basebackupFields) result.pgBasebackup = validatePgBasebackup(basebackupFields, spec);
  return result;
}

function validateInitdb(f: Fields, clusterName: string, spec: Fields): InitdbSpec {
  f.onlyKeys(INITDB_KEYS);
  const name = (key: string): string | undefined => {
    const value = f.string(key, { nonEmpty: true });
    if (value !== undefined) checkSingleLine(value, f.at(key));
    return value;
  };
  const database = name('database') ?? CLUSTER_DEFAULTS.database;
  const secret = f.child('secret');
  secret?.onlyKeys(LOCAL_REF_KEYS);
  const result: InitdbSpec = {
    database,
    owner: name('owner') ?? database,
    secretName: secret?.requiredString('name') ?? `${clusterName}-app`,
    encoding: name('encoding') ?? CLUSTER_DEFAULTS.encoding,
    dataChecksums: f.bool('dataChecksums') ?? false,
    options: f.stringList('options', checkSingleLine) ?? [],
    postInitSQL: f.stringList('postInitSQL') ?? [],
    postInitApplicationSQL: f.stringList('postInitApplicationSQL') ?? [],
    postInitTemplateSQL: f.stringList('postInitTemplateSQL') ?? [],
  };
  const localeProvider = f.oneOf('localeProvider', ['libc', 'icu', 'builtin'] as const);
  const optional = {
    localeCollate: name('localeCollate'),
    localeCType: name('localeCType'),
    locale: name('locale'),
    localeProvider,
    icuLocale: name('icuLocale'),
    icuRules: name('icuRules'),
    builtinLocale: name('builtinLocale'),
  };
  // The CRD's XValidation rules: provider-specific options need their provider.
  for (const [key, provider] of [['icuLocale', 'icu'], ['icuRules', 'icu'], ['builtinLocale', 'builtin']] as const) {
    if (f.has(key) && localeProvider !== provider) {
      throw new ManifestError(f.at(key), `is only available when localeProvider is "${provider}"`);
    }
  }
  for (const key of ['postInitSQLRefs', 'postInitTemplateSQLRefs', 'postInitApplicationSQLRefs'] as const) {
    const refs = validateSqlRefs(f, key);
    if (refs !== undefined) result[key] = refs; // eslint-disable-line security/detect-object-injection -- three literal keys
  }
  const importFields = f.child('import');
  if (importFields !== undefined) result.import = validateImport(importFields, spec);
  for (const [key, value] of Object.entries(optional)) {
    if (value !== undefined) Object.assign(result, { [key]: value });
  }
  const walSegmentSize = f.int('walSegmentSize', 1, 1024);
  if (walSegmentSize !== undefined) {
    // initdb --wal-segsize accepts only powers of two (src/bin/initdb/initdb.c, IsValidWalSegSize).
    if ((walSegmentSize & (walSegmentSize - 1)) !== 0) {
      throw new ManifestError(f.at('walSegmentSize'), `must be a power of two between 1 and 1024, got ${walSegmentSize}`);
    }
    result.walSegmentSize = walSegmentSize;
  }
  return result;
}
