// spec.bootstrap.initdb.import and the SQL refs at load: CNPG's webhook rules, refused naming the field.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManifestError } from '../../../src/errors.js';
import { parseClusterManifest } from '../../../src/spec/load-manifest.js';

function load(initdb: string[], external = ['  externalClusters:', '  - name: src', '    connectionParameters: {host: h, user: app}']): ReturnType<typeof parseClusterManifest> {
  return parseClusterManifest(['apiVersion: postgresql.cnpg.io/v1', 'kind: Cluster', 'metadata: {name: c}', 'spec:', '  bootstrap:', '    initdb:',
    ...initdb.map((l) => `      ${l}`), ...external].join('\n'), 'c.yaml', { namespace: 'default' });
}

function refused(initdb: string[], path: string, message: RegExp, external?: string[]): void {
  assert.throws(() => load(initdb, external), (err: unknown) => err instanceof ManifestError && err.path === path && message.test(err.message));
}

test('an import is read with its source connection', () => {
  const c = load(['import:', '  type: microservice', '  databases: [app]', '  schemaOnly: true', '  source: {externalCluster: src}', '  postImportApplicationSQL: [select 1]']);
  const imp = c.spec.bootstrap.initdb.import;
  assert.equal(imp?.type, 'microservice');
  assert.deepEqual(imp?.connection, { parameters: { host: 'h', user: 'app' } });
  assert.equal(imp?.schemaOnly, true);
  assert.deepEqual(imp?.postImportApplicationSQL, ['select 1']);
});

test("the webhook's import rules", () => {
  const src = '  source: {externalCluster: src}';
  refused(['import:', '  type: microservice', '  databases: [a, b]', src], 'spec.bootstrap.initdb.import.databases', /exactly one/);
  refused(['import:', '  type: microservice', '  databases: ["*"]', src], 'spec.bootstrap.initdb.import.databases[0]', /wildcard/);
  refused(['import:', '  type: microservice', '  databases: [a]', '  roles: [r]', src], 'spec.bootstrap.initdb.import.roles', /monolith/);
  refused(['import:', '  type: monolith', '  databases: []', src], 'spec.bootstrap.initdb.import.databases', /at least one/);
  refused(['import:', '  type: monolith', '  databases: ["*", a]', src], 'spec.bootstrap.initdb.import.databases', /wildcard/);
  refused(['import:', '  type: monolith', '  databases: [a]', '  postImportApplicationSQL: [x]', src], 'spec.bootstrap.initdb.import.postImportApplicationSQL', /not allowed/);
  refused(['import:', '  type: clone', '  databases: [a]', src], 'spec.bootstrap.initdb.import.type', /microservice, monolith/);
  refused(['import:', '  type: monolith', '  databases: [a]', '  source: {externalCluster: other}'], 'spec.bootstrap.initdb.import.source.externalCluster', /not in spec.externalClusters/);
  refused(['import:', '  type: monolith', '  databases: [a]', src], 'spec.bootstrap.initdb.import.source.externalCluster', /no connectionParameters/,
    ['  externalClusters:', '  - name: src', '    barmanObjectStore: {destinationPath: "s3://b"}']);
});

test('SQL refs name Kubernetes objects and keys', () => {
  const c = load(['postInitTemplateSQLRefs:', '  configMapRefs: [{name: cm, key: x.sql}]']);
  assert.deepEqual(c.spec.bootstrap.initdb.postInitTemplateSQLRefs, { secretRefs: [], configMapRefs: [{ name: 'cm', key: 'x.sql' }] });
  refused(['postInitSQLRefs:', '  secretRefs: [{name: "../x", key: a}]'], 'spec.bootstrap.initdb.postInitSQLRefs.secretRefs[0].name', /Kubernetes object name/);
  refused(['postInitSQLRefs:', '  configMapRefs: [{name: cm}]'], 'spec.bootstrap.initdb.postInitSQLRefs.configMapRefs[0].key', /required/);
});
