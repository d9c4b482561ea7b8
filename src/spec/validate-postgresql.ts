// spec.postgresql: parameters, pg_hba, pg_ident, shared_preload_libraries, LDAP and ALTER SYSTEM.
// Everything here is rendered into PostgreSQL's own files, so values that could escape their line are
// refused here rather than escaped later.
import { ManifestError } from '../errors.js';
import type { ClusterSpec, LdapSpec } from './cluster.js';
import { Fields, checkSingleLine, describeType } from './fields.js';
import { checkAuthRecord } from './auth-line.js';
import { validateSynchronous } from './validate-replication.js';
import { checkParameter, isValidParameterName } from './parameters.js';

// PostgresConfiguration in api/v1/cluster_types.go.
const POSTGRESQL_KEYS: ReadonlySet<string> = new Set([
  'parameters', 'synchronous', 'pg_hba', 'pg_ident', 'syncReplicaElectionConstraint', 'shared_preload_libraries',
  'ldap', 'promotionTimeout', 'enableAlterSystem', 'extensions',
]);
const LDAP_KEYS: ReadonlySet<string> = new Set(['server', 'port', 'scheme', 'bindAsAuth', 'bindSearchAuth', 'tls']);
const BIND_AS_KEYS: ReadonlySet<string> = new Set(['prefix', 'suffix']);
const BIND_SEARCH_KEYS: ReadonlySet<string> = new Set([
  'baseDN', 'bindDN', 'bindPassword', 'searchAttribute', 'searchFilter',
]);
const SECRET_KEY_KEYS: ReadonlySet<string> = new Set(['name', 'key', 'optional']);

// PostgreSQL 16+ reads these as directives when they are the first token of a pg_hba/pg_ident line
// (src/backend/libpq/hba.c, tokenize_auth_file); they would pull arbitrary files into the auth config.
const INCLUDE_DIRECTIVES: ReadonlySet<string> = new Set(['include', 'include_if_exists', 'include_dir']);

// CNPG webhook: a selector name in ${podselector:NAME} and at most one such token per line.
const PODSELECTOR = /\$\{podselector:([^}]*)\}/g;
const SELECTOR_NAME = /^[a-z][a-z0-9_-]*$/;

/** Validates spec.postgresql into the typed view (defaults: empty lists, ALTER SYSTEM off). */
export function validatePostgresql(spec: Fields): ClusterSpec['postgresql'] {
  const pg = spec.child('postgresql');
  if (pg === undefined) return { parameters: {}, pgHba: [], pgIdent: [], sharedPreloadLibraries: [], enableAlterSystem: false };
  pg.onlyKeys(POSTGRESQL_KEYS);
  const extensions = pg.objectList('extensions');
  if (extensions !== undefined && extensions.length > 0) {
    throw new ManifestError(pg.at('extensions'), 'not supported yet (extensions from image volumes)');
  }
  const election = validateElectionConstraint(pg);
  if (pg.int('promotionTimeout', 0) !== undefined) throw new ManifestError(pg.at('promotionTimeout'), 'not supported yet (pg_promote waits at most 60 s, then the promotion is retried)');
  const result: ClusterSpec['postgresql'] = {
    parameters: validateParameters(pg),
    pgHba: pg.stringList('pg_hba', (line, path) => checkAuthLine(line, path, true)) ?? [],
    pgIdent: pg.stringList('pg_ident', (line, path) => checkAuthLine(line, path, false)) ?? [],
    sharedPreloadLibraries: pg.stringList('shared_preload_libraries', checkLibrary) ?? [],
    enableAlterSystem: pg.bool('enableAlterSystem') ?? false,
  };
  const synchronous = validateSynchronous(pg);
  if (synchronous !== undefined) result.synchronous = synchronous;
  if (election !== undefined) result.syncReplicaElectionConstraint = election;
  // CRD rule (api/v1/cluster_types.go PostgresConfiguration): one way to spread the synchronous standbys.
  if (election !== undefined && (synchronous?.failureDomainKeys.length ?? 0) > 0) {
    throw new ManifestError(pg.at('syncReplicaElectionConstraint'), 'syncReplicaElectionConstraint and synchronous failure domain keys are mutually exclusive');
  }
  const ldap = validateLdap(pg);
  if (ldap !== undefined) result.ldap = ldap;
  return result;
}

// syncReplicaElectionConstraint (CNPG webhook validateSyncReplicaElectionConstraint: enabled needs label keys).
function validateElectionConstraint(pg: Fields): { nodeLabelsAntiAffinity: string[] } | undefined {
  const election = pg.child('syncReplicaElectionConstraint');
  election?.onlyKeys(new Set(['enabled', 'nodeLabelsAntiAffinity']));
  const labels = election?.stringList('nodeLabelsAntiAffinity') ?? [];
  if (election?.bool('enabled') !== true) return undefined;
  if (labels.length === 0) throw new ManifestError(election.at('nodeLabelsAntiAffinity'), 'must list at least one node label key when enabled is true');
  return { nodeLabelsAntiAffinity: labels };
}

function validateParameters(pg: Fields): Record<string, string> {
  const params = pg.child('parameters');
  if (params === undefined) return {};
  const result: [string, string][] = [];
  for (const [name, value] of params.entries()) {
    const path = params.at(name);
    if (!isValidParameterName(name)) throw new ManifestError(path, 'is not a valid PostgreSQL parameter name');
    const status = checkParameter(name);
    if (status === 'fixed') throw new ManifestError(path, 'is a fixed parameter managed by the instance manager');
    if (status === 'blocked') throw new ManifestError(path, 'is a blocked parameter and cannot be set');
    if (typeof value !== 'string') {
      throw new ManifestError(path, `must be a string (quote the value), got ${describeType(value)}`);
    }
    checkSingleLine(value, path);
    result.push([name, value]);
  }
  // fromEntries defines own properties, so even a key such as __proto__ cannot reach the prototype.
  return Object.fromEntries(result);
}

/** Refuses a pg_hba/pg_ident line that could break out of its line or pull other files in. */
export function checkAuthLine(line: string, path: string, isHba: boolean): void {
  checkSingleLine(line, path);
  const first = /^\s*(\S+)/.exec(line)?.[1];
  if (first !== undefined && INCLUDE_DIRECTIVES.has(first.toLowerCase())) {
    throw new ManifestError(path, `"${first}" directives are not allowed`);
  }
  // A quoted token ends at the next unescaped quote ("" is an escaped quote), so an odd count means a
  // quote that would swallow the rest of the line.
  if ((line.match(/"/g)?.length ?? 0) % 2 !== 0) throw new ManifestError(path, 'has unbalanced double quotes');
  checkAuthRecord(line, path, isHba); // field count, comments, trailing backslash
  if (!isHba) return;
  const selectors = [...line.matchAll(PODSELECTOR)];
  if (selectors.length > 1) throw new ManifestError(path, 'may use at most one ${podselector:NAME} reference');
  const name = selectors[0]?.[1];
  if (name !== undefined && (!SELECTOR_NAME.test(name) || /[-_]$/.test(name))) {
    throw new ManifestError(path, `invalid pod selector name "${name}"`);
  }
}

function checkLibrary(name: string, path: string): void {
  checkSingleLine(name, path);
  // The list is joined with commas into one quoted GUC value; a comma, quote or blank would change it.
  if (name === '' || /[\s,'"]/.test(name)) {
    throw new ManifestError(path, 'must be a library name without spaces, commas or quotes');
  }
}

function validateLdap(pg: Fields): LdapSpec | undefined {
  const ldap = pg.child('ldap');
  if (ldap === undefined) return undefined;
  ldap.onlyKeys(LDAP_KEYS);
  const line = (f: Fields, key: string): string | undefined => {
    const value = f.string(key);
    if (value !== undefined) checkSingleLine(value, f.at(key));
    return value;
  };
  const server = line(ldap, 'server');
  if (server === undefined || server === '') throw new ManifestError(ldap.at('server'), 'required');
  const result: LdapSpec = { server, tls: ldap.bool('tls') ?? false };
  const port = ldap.int('port', 0, 65535);
  if (port !== undefined && port !== 0) result.port = port;
  const scheme = ldap.oneOf('scheme', ['ldap', 'ldaps'] as const);
  if (scheme !== undefined) result.scheme = scheme;
  const bindAs = ldap.child('bindAsAuth');
  const bindSearch = ldap.child('bindSearchAuth');
  if (bindAs !== undefined && bindSearch !== undefined) {
    throw new ManifestError(ldap.at('bindAsAuth'), 'bindAsAuth and bindSearchAuth are mutually exclusive');
  }
  if (bindAs !== undefined) {
    bindAs.onlyKeys(BIND_AS_KEYS);
    result.bindAsAuth = { prefix: line(bindAs, 'prefix') ?? '', suffix: line(bindAs, 'suffix') ?? '' };
  }
  if (bindSearch !== undefined) {
    bindSearch.onlyKeys(BIND_SEARCH_KEYS);
    const auth: NonNullable<LdapSpec['bindSearchAuth']> = {
      baseDN: line(bindSearch, 'baseDN') ?? '',
      bindDN: line(bindSearch, 'bindDN') ?? '',
    };
    const bindRef = bindSearch.child('bindPassword');
    if (bindRef !== undefined) {
      bindRef.onlyKeys(SECRET_KEY_KEYS);
      auth.bindPassword = { name: bindRef.requiredString('name'), key: bindRef.requiredString('key') };
    }
    const searchAttribute = line(bindSearch, 'searchAttribute');
    if (searchAttribute !== undefined) auth.searchAttribute = searchAttribute;
    const searchFilter = line(bindSearch, 'searchFilter');
    if (searchFilter !== undefined) auth.searchFilter = searchFilter;
    // PostgreSQL rejects the whole pg_hba.conf when both are set (src/backend/libpq/hba.c), so postgres
    // would not start; CNPG renders both. Refuse at load instead.
    if (searchFilter && searchAttribute) {
      throw new ManifestError(`${bindSearch.path}.searchFilter`, 'cannot be combined with searchAttribute (PostgreSQL refuses ldapsearchfilter with ldapsearchattribute)');
    }
    result.bindSearchAuth = auth;
  }
  return result;
}
