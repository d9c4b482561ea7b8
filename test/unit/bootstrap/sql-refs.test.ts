// postInit*SQLRefs: read through the spec source in CNPG's order (all secretRefs, then all configMapRefs),
// and a missing object or key is an error naming the field, the object and the key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readSqlRefs, resolveSqlRefs, type SqlRefReader } from '../../../src/bootstrap/sql-refs.js';
import { ManagerError } from '../../../src/errors.js';
import { parseClusterManifest } from '../../../src/spec/load-manifest.js';

const reader: SqlRefReader = {
  getSecret: (name) => Promise.resolve(name === 's1' ? { name, data: { 'a.sql': Buffer.from('select 1') }, resourceVersion: '1', annotations: {} } : undefined),
  getConfigMap: (name) => Promise.resolve(name === 'c1' ? { name, data: { 'b.sql': 'select 2' }, resourceVersion: '1' } : undefined),
};

test('Secrets come before ConfigMaps whatever the order written, each list in its own order', async () => {
  const scripts = await readSqlRefs(reader, { configMapRefs: [{ name: 'c1', key: 'b.sql' }], secretRefs: [{ name: 's1', key: 'a.sql' }] }, 'f');
  assert.deepEqual(scripts, [{ field: 'f.secretRefs[0]', sql: 'select 1' }, { field: 'f.configMapRefs[0]', sql: 'select 2' }]);
});

test('a missing ConfigMap, Secret or key names the field, the object and the key', async () => {
  await assert.rejects(readSqlRefs(reader, { secretRefs: [], configMapRefs: [{ name: 'c1', key: 'nope.sql' }] }, 'spec.x'),
    (err: unknown) => err instanceof ManagerError && err.message === 'spec.x.configMapRefs[0]: missing key nope.sql inside ConfigMap c1');
  await assert.rejects(readSqlRefs(reader, { secretRefs: [{ name: 'gone', key: 'k' }], configMapRefs: [] }, 'spec.x'), /spec\.x\.secretRefs\[0\]: Secret gone not found/);
  await assert.rejects(readSqlRefs(reader, { secretRefs: [{ name: 's1', key: 'constructor' }], configMapRefs: [] }, 'spec.x'), /missing key constructor inside Secret s1/);
});

test('the three fields are read from the manifest and resolved per field', async () => {
  const cluster = parseClusterManifest([
    'apiVersion: postgresql.cnpg.io/v1', 'kind: Cluster', 'metadata: {name: c}', 'spec:', '  bootstrap:', '    initdb:',
    '      postInitSQLRefs: {secretRefs: [{name: s1, key: a.sql}]}',
    '      postInitApplicationSQLRefs: {configMapRefs: [{name: c1, key: b.sql}], secretRefs: [{name: s1, key: a.sql}]}',
  ].join('\n'), 'c.yaml', { namespace: 'default' });
  const refs = await resolveSqlRefs(reader, cluster.spec.bootstrap.initdb);
  assert.deepEqual(refs.postInitSQLRefs.map((s) => s.field), ['spec.bootstrap.initdb.postInitSQLRefs.secretRefs[0]']);
  assert.deepEqual(refs.postInitTemplateSQLRefs, []);
  assert.deepEqual(refs.postInitApplicationSQLRefs.map((s) => s.sql), ['select 1', 'select 2']);
});
