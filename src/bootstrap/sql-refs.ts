// The SQL of spec.bootstrap.initdb.postInit*SQLRefs, read from Secrets and ConfigMaps through the spec source
// (the embedded default's secrets and configmaps folders, or the API server). CNPG projects them into a folder
// and runs its files in name order, which the operator numbers so that all Secrets come first, then all
// ConfigMaps, each group in list order (api/v1 SQLRefs; pkg/specs/jobs.go; pkg/management/postgres/initdb.go
// executeSQLRefs). Every reference is read before any SQL runs, so a missing one fails the bootstrap first.
import { ManagerError } from '../errors.js';
import type { InitdbSpec, SqlRefs } from '../spec/cluster.js';
import type { SpecSource } from '../source/spec-source.js';

/** What the refs are read through: the two getters of the spec source. */
export type SqlRefReader = Pick<SpecSource, 'getSecret' | 'getConfigMap'>;

/** One SQL file to run: the field that named it (for errors and logs) and its text. */
export interface SqlRefScript {
  field: string;
  sql: string;
}

/** The three lists of one initdb spec, resolved. */
export interface ResolvedSqlRefs {
  postInitSQLRefs: SqlRefScript[];
  postInitTemplateSQLRefs: SqlRefScript[];
  postInitApplicationSQLRefs: SqlRefScript[];
}

/** The refs of one SQLRefs field in CNPG's order: secretRefs, then configMapRefs. */
export function orderedRefs(refs: SqlRefs | undefined, field: string): { kind: 'Secret' | 'ConfigMap'; name: string; key: string; field: string }[] {
  if (refs === undefined) return [];
  return [
    ...refs.secretRefs.map((r, i) => ({ kind: 'Secret' as const, ...r, field: `${field}.secretRefs[${i}]` })),
    ...refs.configMapRefs.map((r, i) => ({ kind: 'ConfigMap' as const, ...r, field: `${field}.configMapRefs[${i}]` })),
  ];
}

/** Reads every ref of one SQLRefs field; a missing object or key is an error naming the field, object and key. */
export async function readSqlRefs(reader: SqlRefReader, refs: SqlRefs | undefined, field: string): Promise<SqlRefScript[]> {
  const out: SqlRefScript[] = [];
  for (const ref of orderedRefs(refs, field)) {
    let sql: string | undefined;
    if (ref.kind === 'Secret') {
      const found = await reader.getSecret(ref.name);
      if (!found) throw new ManagerError('BOOTSTRAP', `${ref.field}: Secret ${ref.name} not found`);
      // Own keys only: a key such as `constructor` must not reach the prototype.
      sql = Object.hasOwn(found.data, ref.key) ? found.data[ref.key]?.toString('utf8') : undefined;
    } else {
      const found = await reader.getConfigMap(ref.name);
      if (!found) throw new ManagerError('BOOTSTRAP', `${ref.field}: ConfigMap ${ref.name} not found`);
      sql = Object.hasOwn(found.data, ref.key) ? found.data[ref.key] : undefined;
    }
    if (sql === undefined) throw new ManagerError('BOOTSTRAP', `${ref.field}: missing key ${ref.key} inside ${ref.kind} ${ref.name}`);
    out.push({ field: ref.field, sql });
  }
  return out;
}

/** Reads the three SQLRefs fields of an initdb spec, in the order they run. */
export async function resolveSqlRefs(reader: SqlRefReader, spec: InitdbSpec): Promise<ResolvedSqlRefs> {
  const at = 'spec.bootstrap.initdb';
  return {
    postInitSQLRefs: await readSqlRefs(reader, spec.postInitSQLRefs, `${at}.postInitSQLRefs`),
    postInitTemplateSQLRefs: await readSqlRefs(reader, spec.postInitTemplateSQLRefs, `${at}.postInitTemplateSQLRefs`),
    postInitApplicationSQLRefs: await readSqlRefs(reader, spec.postInitApplicationSQLRefs, `${at}.postInitApplicationSQLRefs`),
  };
}
