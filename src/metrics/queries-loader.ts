// Which custom queries an instance runs, in CNPG's load order: the built-in `collector` query (lo_pages),
// our default queries file (unless spec.monitoring.disableDefaultQueries), then the ConfigMaps and the
// Secrets of spec.monitoring in spec order. A later query of the same name replaces an earlier one; a
// missing object or key, or unusable YAML, skips that source with a warning and an error metric.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Logger } from '../log/logger.js';
import type { Cluster, SecretKeyRef } from '../spec/cluster.js';
import type { SpecSource } from '../source/spec-source.js';
import { packagePath } from '../config/package-root.js';
import { compileQuery, type CompiledQuery } from './query-results.js';
import { parseQueries, type UserQuery } from './query-spec.js';

/** image/monitoring/queries.yaml in the package (a function: the root is found on first use). */
export function defaultQueriesFile(): string {
  return packagePath('image', 'monitoring', 'queries.yaml');
}

// CNPG's built-in query (pkg/management/postgres/metrics, "collector"): large-object pages in every database.
const BUILTIN_QUERIES: UserQuery[] = [
  {
    name: 'collector',
    query:
      'SELECT pg_catalog.current_database() AS datname, c.relpages AS lo_pages FROM pg_catalog.pg_class c ' +
      "JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace WHERE n.nspname OPERATOR(pg_catalog.=) 'pg_catalog' " +
      "AND c.relname OPERATOR(pg_catalog.=) 'pg_largeobject'",
    metrics: [
      { column: 'datname', usage: 'LABEL', description: 'Name of the database' },
      { column: 'lo_pages', usage: 'GAUGE', description: 'Estimated number of pages in the pg_largeobject table' },
    ],
    primary: false,
    targetDatabases: ['*'],
  },
];

/** The query set to install, with the problems to report as errors. */
export interface LoadedQueries {
  queries: CompiledQuery[];
  problems: string[];
  /** Changes when any source text changes: an unchanged set keeps the collector's cache. */
  fingerprint: string;
}

export interface LoaderOptions {
  source: Pick<SpecSource, 'getConfigMap' | 'getSecret'>;
  log: Logger;
  defaultQueriesFile?: string;
}

/** Reads and parses every source of custom queries for `cluster`. */
export async function loadQueries(cluster: Cluster, options: LoaderOptions): Promise<LoadedQueries> {
  const byName = new Map<string, UserQuery>(BUILTIN_QUERIES.map((q) => [q.name, q]));
  const problems: string[] = [];
  const hash = createHash('sha256');
  const add = (origin: string, text: string | undefined): void => {
    hash.update(origin).update('\0').update(text ?? '-').update('\0');
    if (text === undefined) return;
    let parsed;
    try {
      parsed = parseQueries(text);
    } catch (err) {
      problems.push(`${origin}: ${(err as Error).message}`);
      options.log.warn({ source: origin, err: { message: (err as Error).message } }, 'custom queries source skipped');
      return;
    }
    for (const p of parsed.problems) {
      problems.push(`${p.query}: ${origin}: ${p.message}`);
      options.log.warn({ source: origin, query: p.query, err: { message: p.message } }, 'custom query refused');
    }
    for (const q of parsed.queries) {
      if (byName.has(q.name)) options.log.warn({ queryName: q.name, source: origin }, 'Query with the same name already found. Overwriting the existing one.');
      byName.set(q.name, q);
    }
  };
  const monitoring = cluster.spec.monitoring;
  if (!monitoring.disableDefaultQueries) {
    const file = options.defaultQueriesFile ?? defaultQueriesFile();
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- our own queries file, shipped in image/
    add('default queries', await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => missing(`default queries file ${file} cannot be read (${err.code ?? 'error'})`)));
  }
  for (const ref of monitoring.customQueriesConfigMap) {
    add(`configmap ${ref.name}/${ref.key}`, await fromObject('configmap', ref, async () => (await options.source.getConfigMap(ref.name))?.data));
  }
  for (const ref of monitoring.customQueriesSecret) {
    add(`secret ${ref.name}/${ref.key}`, await fromObject('secret', ref, async () => {
      const data = (await options.source.getSecret(ref.name))?.data;
      return data && Object.fromEntries(Object.entries(data).map(([k, v]) => [k, v.toString('utf8')]));
    }));
  }
  return { queries: [...byName.values()].map((q) => compileQuery(q)), problems, fingerprint: hash.digest('hex') };

  function missing(what: string): undefined {
    problems.push(what);
    options.log.warn({ source: what }, 'custom queries source skipped');
    return undefined;
  }

  async function fromObject(kind: string, ref: SecretKeyRef, read: () => Promise<Readonly<Record<string, string>> | undefined>): Promise<string | undefined> {
    let data: Readonly<Record<string, string>> | undefined;
    try {
      data = await read();
    } catch (err) {
      return missing(`${kind} ${ref.name} cannot be read (${(err as Error).message})`);
    }
    if (data === undefined) return missing(`${kind} ${ref.name} does not exist`);
    const text = Object.hasOwn(data, ref.key) ? data[ref.key] : undefined;
    return text === undefined ? missing(`${kind} ${ref.name} has no key ${ref.key}`) : text;
  }
}
