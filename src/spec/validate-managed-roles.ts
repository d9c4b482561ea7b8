// spec.managed.roles (CNPG api/v1 RoleConfiguration, defaults from the CRD) with the checks of CNPG's webhook
// (internal/webhook/v1/cluster_webhook.go validateManagedRoles): unique names, none reserved, a connection
// limit of -1 or more, and a password either from a Secret or disabled, never both.
import { ManifestError } from '../errors.js';
import type { Fields } from './fields.js';
import { checkObjectName } from './secret-refs.js';

/** One declared role, defaulted. */
export interface ManagedRole {
  name: string;
  ensure: 'present' | 'absent';
  comment: string;
  /** A basic-auth Secret holding `username` (the role name) and `password`. */
  passwordSecret?: string;
  /** PASSWORD NULL; without it and without passwordSecret, the password is left as it is. */
  disablePassword: boolean;
  superuser: boolean;
  createdb: boolean;
  createrole: boolean;
  inherit: boolean;
  login: boolean;
  replication: boolean;
  bypassrls: boolean;
  /** -1: no limit. */
  connectionLimit: number;
  /** RFC 3339 time after which the password is no longer valid; undefined: never. */
  validUntil?: string;
  inRoles: string[];
}

const ROLE_KEYS: ReadonlySet<string> = new Set([
  'name', 'comment', 'ensure', 'passwordSecret', 'connectionLimit', 'validUntil', 'inRoles', 'inherit',
  'disablePassword', 'superuser', 'createdb', 'createrole', 'login', 'replication', 'bypassrls',
]);

/** Roles the manager and PostgreSQL own (CNPG pkg/postgres/roles.go IsRoleReserved). */
export function isReservedRole(name: string): boolean {
  return name === 'postgres' || name === 'streaming_replica' || name.startsWith('cnpg_') || name.startsWith('pg_');
}

// NAMEDATALEN - 1: a longer name would be truncated by PostgreSQL and never match the declaration.
const MAX_NAME_BYTES = 63;

function roleName(value: string, path: string): void {
  if (value === '' || value.includes('\0')) throw new ManifestError(path, 'must be a non-empty role name');
  if (Buffer.byteLength(value) > MAX_NAME_BYTES) throw new ManifestError(path, `must be at most ${MAX_NAME_BYTES} bytes (PostgreSQL would truncate it)`);
}

function validUntil(f: Fields): string | undefined {
  const raw = f.get('validUntil');
  if (raw === undefined) return undefined;
  // An unquoted YAML timestamp arrives as a Date; a quoted one as text.
  const text = raw instanceof Date ? raw.toISOString() : f.string('validUntil');
  if (text === undefined || Number.isNaN(Date.parse(text))) throw new ManifestError(f.at('validUntil'), `is not a time (RFC 3339, e.g. 2053-04-12T15:04:05Z): ${JSON.stringify(raw)}`);
  return new Date(text).toISOString();
}

function oneRole(f: Fields): ManagedRole {
  f.onlyKeys(ROLE_KEYS);
  const name = f.requiredString('name');
  roleName(name, f.at('name'));
  if (isReservedRole(name)) throw new ManifestError(f.at('name'), `role "${name}" is reserved for the operator or PostgreSQL (postgres, streaming_replica, cnpg_*, pg_*)`);
  const secret = f.child('passwordSecret');
  secret?.onlyKeys(new Set(['name']));
  const passwordSecret = secret?.requiredString('name');
  if (passwordSecret !== undefined) checkObjectName(passwordSecret, secret?.at('name') ?? f.at('passwordSecret'));
  const disablePassword = f.bool('disablePassword') ?? false;
  if (disablePassword && passwordSecret !== undefined) throw new ManifestError(f.at('disablePassword'), 'this role both sets (passwordSecret) and disables a password');
  const connectionLimit = f.int('connectionLimit', -1) ?? -1;
  const inRoles = f.stringList('inRoles', roleName) ?? [];
  const until = validUntil(f);
  return {
    name,
    ensure: f.oneOf('ensure', ['present', 'absent'] as const) ?? 'present',
    comment: f.string('comment') ?? '',
    ...(passwordSecret === undefined ? {} : { passwordSecret }),
    disablePassword,
    superuser: f.bool('superuser') ?? false,
    createdb: f.bool('createdb') ?? false,
    createrole: f.bool('createrole') ?? false,
    inherit: f.bool('inherit') ?? true,
    login: f.bool('login') ?? false,
    replication: f.bool('replication') ?? false,
    bypassrls: f.bool('bypassrls') ?? false,
    connectionLimit,
    ...(until === undefined ? {} : { validUntil: until }),
    inRoles: [...new Set(inRoles)],
  };
}

/** spec.managed.roles; [] when absent. */
export function validateManagedRoles(spec: Fields): ManagedRole[] {
  const managed = spec.child('managed');
  if (managed === undefined) return [];
  managed.onlyKeys(new Set(['roles', 'services']));
  const roles = (managed.objectList('roles') ?? []).map(oneRole);
  const seen = new Set<string>();
  for (const [i, role] of roles.entries()) {
    if (seen.has(role.name)) throw new ManifestError(`${managed.at('roles')}[${i}].name`, `role "${role.name}" is declared twice`);
    seen.add(role.name);
  }
  return roles;
}
