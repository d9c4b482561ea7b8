// Hand-written fakes for the access unit tests: a Secret-only spec source and a query-recording client.
import type { SpecSource } from '../../../src/source/spec-source.js';
import type { SecretObject } from '../../../src/model/objects.js';
import { parseClusterManifest } from '../../../src/spec/load-manifest.js';
import type { Cluster } from '../../../src/spec/cluster.js';

/** A SpecSource that only serves Secrets from a map (the rest is never called by the code under test). */
export function secretSource(secrets: Record<string, Record<string, string>>, annotations: Record<string, Record<string, string>> = {}): SpecSource {
  const byName = new Map(Object.entries(secrets));
  const annotationsByName = new Map(Object.entries(annotations));
  const get = (name: string): SecretObject | undefined => {
    const data = byName.get(name);
    if (!data) return undefined;
    return {
      name,
      data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v)])),
      resourceVersion: JSON.stringify(data),
      annotations: annotationsByName.get(name) ?? {},
    };
  };
  const unused = (): never => {
    throw new Error('not used by this test');
  };
  return {
    description: 'fake',
    load: unused,
    watch: unused,
    getSecret: (name) => Promise.resolve(get(name)),
    getConfigMap: unused,
    patchStatus: unused,
  };
}

/** A validated Cluster named t1 with `spec` lines spliced in. */
export function cluster(spec = ''): Cluster {
  const lines = ['apiVersion: postgresql.cnpg.io/v1', 'kind: Cluster', 'metadata:', '  name: t1', 'spec:', '  instances: 1'];
  for (const l of spec.split('\n').filter((x) => x.trim() !== '')) lines.push(`  ${l}`);
  return parseClusterManifest(`${lines.join('\n')}\n`, 'test.yaml', { namespace: 'default' });
}

export interface RecordedQuery {
  text: string;
  values?: unknown[];
}

/** A client that records every statement and answers from `answer` (rows for a SELECT). */
export function recordingClient(answer: (text: string) => Record<string, unknown>[] = () => [], failOn?: RegExp): {
  queries: RecordedQuery[];
  query: (text: string, values?: unknown[]) => Promise<{ rows: Record<string, unknown>[]; rowCount: number }>;
} {
  const queries: RecordedQuery[] = [];
  return {
    queries,
    query(text, values) {
      queries.push(values ? { text, values } : { text });
      if (failOn?.test(text)) return Promise.reject(Object.assign(new Error(`failed: ${text}`), { code: '42501' }));
      const rows = answer(text);
      return Promise.resolve({ rows, rowCount: rows.length });
    },
  };
}
