// spec.walStorage and spec.tablespaces (CNPG api/v1 cluster_types.go StorageConfiguration and
// TablespaceConfiguration, with the webhook's rules in internal/webhook/v1/cluster_webhook.go
// validateTablespaceNames / validateTablespaceOwners). Their `storage` is the operator's business (PVC size and
// class): here the WAL folder and each tablespace's folder are plain folders (config.ts walDir, tablespacesDir).
import { ManifestError } from '../errors.js';
import type { TablespaceSpec } from './cluster.js';
import { Fields, describeType, isMapping } from './fields.js';

const STORAGE_KEYS: ReadonlySet<string> = new Set(['storageClass', 'size', 'resizeInUseVolumes', 'pvcTemplate']);
const TABLESPACE_KEYS: ReadonlySet<string> = new Set(['name', 'storage', 'owner', 'temporary']);
// A PostgreSQL identifier CNPG accepts for a tablespace: lower case, not pg_-prefixed (reserved by PostgreSQL,
// https://www.postgresql.org/docs/15/sql-createtablespace.html), at most 63 bytes. It is also a folder name.
const TABLESPACE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** True when spec.walStorage is set (a mapping of StorageConfiguration fields). */
export function validateWalStorage(spec: Fields): boolean {
  const wal = spec.child('walStorage');
  if (wal === undefined) return false;
  wal.onlyKeys(STORAGE_KEYS);
  wal.string('storageClass');
  return true;
}

/** spec.tablespaces as a list; the older map form (`name: {storage}`) some samples use is read as the same list. */
export function validateTablespaces(spec: Fields): TablespaceSpec[] {
  const raw = spec.get('tablespaces');
  if (raw === undefined || raw === null) return [];
  let items: Fields[];
  if (Array.isArray(raw)) items = spec.objectList('tablespaces') ?? [];
  else if (isMapping(raw)) items = Object.entries(raw).map(([name, value]) => Fields.of(isMapping(value) ? { name, ...value } : value, `${spec.at('tablespaces')}.${name}`));
  else throw new ManifestError(spec.at('tablespaces'), `must be a list, got ${describeType(raw)}`);
  const seen = new Set<string>();
  return items.map((t) => {
    t.onlyKeys(TABLESPACE_KEYS);
    const name = t.requiredString('name');
    if (name.startsWith('pg_')) throw new ManifestError(t.at('name'), `"${name}": names starting with pg_ are reserved by PostgreSQL`);
    if (!TABLESPACE_NAME.test(name)) throw new ManifestError(t.at('name'), `"${name}" is not a valid tablespace name (lower-case letters, digits and _, at most 63, not starting with a digit)`);
    if (seen.has(name)) throw new ManifestError(t.at('name'), `"${name}" appears twice`);
    seen.add(name);
    const storage = t.child('storage');
    storage?.onlyKeys(STORAGE_KEYS);
    const owner = t.child('owner');
    owner?.onlyKeys(new Set(['name']));
    const ownerName = owner?.string('name', { nonEmpty: true });
    const result: TablespaceSpec = { name, temporary: t.bool('temporary') ?? false };
    if (ownerName !== undefined) result.owner = ownerName;
    return result;
  });
}

/** temp_tablespaces: the temporary tablespaces' names, sorted and comma-separated (CNPG configuration.go). */
export function temporaryTablespaces(tablespaces: readonly TablespaceSpec[] | undefined): string {
  return (tablespaces ?? [])
    .filter((t) => t.temporary)
    .map((t) => t.name)
    .sort()
    .join(',');
}
