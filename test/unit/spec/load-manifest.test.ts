import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ManifestError } from '../../../src/errors.js';
import { parseClusterManifest } from '../../../src/spec/load-manifest.js';
import { manifestFixture } from './repo-paths.js';

const DEFAULTS = { namespace: 'default' };
const load = (text: string) => parseClusterManifest(text, 'test.yaml', DEFAULTS);

/** Asserts that loading `text` throws a ManifestError with this path and a message containing `part`. */
function assertRefused(text: string, path: string, part: string): void {
  assert.throws(
    () => load(text),
    (err: unknown) => {
      assert.ok(err instanceof ManifestError, `expected ManifestError, got ${String(err)}`);
      assert.equal(err.path, path);
      assert.equal(err.code, 'INVALID_MANIFEST');
      assert.ok(err.message.includes(part), `"${err.message}" lacks "${part}"`);
      return true;
    },
  );
}

test('a minimal manifest gets every CNPG default', () => {
  const cluster = parseClusterManifest(readFileSync(manifestFixture('cluster-minimal.yaml'), 'utf8'), 'min', DEFAULTS);
  assert.equal(cluster.name, 'pg-minimal');
  assert.equal(cluster.namespace, 'default');
  assert.equal(cluster.resourceVersion, undefined);
  assert.deepEqual(cluster.status, {});
  assert.deepEqual(cluster.spec, {
    instances: 1,
    minSyncReplicas: 0,
    maxSyncReplicas: 0,
    replicationSlots: { highAvailability: { enabled: true, slotPrefix: '_cnpg_', synchronizeLogicalDecoding: false }, updateInterval: 30, synchronizeReplicas: true },
    startDelay: 3600,
    stopDelay: 1800,
    smartShutdownTimeout: 180,
    switchoverDelay: 3600,
    primaryUpdateStrategy: 'unsupervised',
    enableSuperuserAccess: false,
    superuserSecretName: 'pg-minimal-superuser',
    postgresql: { parameters: {}, pgHba: [], pgIdent: [], sharedPreloadLibraries: [], enableAlterSystem: false },
    bootstrap: {
      initdb: {
        database: 'app',
        owner: 'app',
        secretName: 'pg-minimal-app',
        encoding: 'UTF8',
        dataChecksums: false,
        options: [],
        postInitSQL: [],
        postInitApplicationSQL: [],
        postInitTemplateSQL: [],
      },
    },
    certificates: {
      serverTLSSecret: 'pg-minimal-server',
      serverCASecret: 'pg-minimal-ca',
      clientCASecret: 'pg-minimal-ca',
      replicationTLSSecret: 'pg-minimal-replication',
      serverAltDNSNames: [],
    },
    monitoring: {
      disableDefaultQueries: false,
      customQueriesConfigMap: [],
      customQueriesSecret: [],
      metricsQueriesTTLSeconds: 30,
      tlsEnabled: false,
    },
    probes: {
      startup: { type: 'pg_isready' },
      readiness: { type: 'pg_isready' },
      liveness: { isolationCheck: true, requestTimeoutMs: 1000, connectionTimeoutMs: 1000 },
    },
    managedRoles: [],
  });
  assert.deepEqual(cluster.raw.spec, { instances: 1, storage: { size: '1Gi' } });
});

test('every supported field is read from a multi-document file, other kinds ignored', () => {
  const text = readFileSync(manifestFixture('cluster-supported-full.yaml'), 'utf8');
  const { name, namespace, resourceVersion, generation, spec, status } = load(text);
  assert.deepEqual([name, namespace, resourceVersion, generation], ['pg-full', 'shop', '4711', 3]);
  assert.deepEqual(status, { phase: 'Cluster in healthy state', operatorCertificateFingerprint: 'abc123' });
  assert.equal(spec.postgresMajor, 16);
  assert.equal(spec.imageName, 'ghcr.io/cloudnative-pg/postgresql:16.4');
  assert.deepEqual(
    [spec.logLevel, spec.startDelay, spec.stopDelay, spec.smartShutdownTimeout, spec.switchoverDelay],
    ['debug', 120, 90, 0, 60],
  );
  assert.equal(spec.primaryUpdateStrategy, 'supervised');
  assert.equal(spec.enableSuperuserAccess, true);
  assert.equal(spec.superuserSecretName, 'pg-full-postgres');
  assert.equal(spec.serviceAccountName, 'pg-full-sa');
  assert.deepEqual(spec.postgresql.parameters, {
    max_connections: '200',
    shared_buffers: '256MB',
    'pg_stat_statements.track': 'all',
    log_connections: 'on',
  });
  assert.deepEqual(spec.postgresql.pgHba, ['hostssl app app 10.0.0.0/8 scram-sha-256', 'host all "weird ""user""" 127.0.0.1/32 md5']);
  assert.deepEqual(spec.postgresql.pgIdent, ['mymap alice app']);
  assert.deepEqual(spec.postgresql.sharedPreloadLibraries, ['pg_stat_statements']);
  assert.equal(spec.postgresql.enableAlterSystem, true);
  assert.deepEqual(spec.postgresql.ldap, {
    server: 'ldap.example.com',
    port: 636,
    scheme: 'ldaps',
    tls: true,
    bindSearchAuth: {
      baseDN: 'ou=people,dc=example,dc=com',
      bindDN: 'cn=admin,dc=example,dc=com',
      bindPassword: { name: 'ldap-bind', key: 'password' },
      searchAttribute: 'uid',
    },
  });
  assert.deepEqual(spec.bootstrap.initdb, {
    database: 'shop',
    owner: 'shopkeeper',
    secretName: 'pg-full-app-user',
    encoding: 'LATIN1',
    localeCollate: 'C',
    localeCType: 'C',
    localeProvider: 'icu',
    icuLocale: 'en-US',
    dataChecksums: true,
    walSegmentSize: 32,
    options: ['--no-instructions'],
    postInitSQL: ['CREATE ROLE audit'],
    postInitApplicationSQL: ['CREATE TABLE t (id int)'],
    postInitTemplateSQL: ['CREATE EXTENSION IF NOT EXISTS pgcrypto'],
  });
  assert.deepEqual(spec.certificates, {
    serverTLSSecret: 'my-server',
    serverCASecret: 'my-server-ca',
    clientCASecret: 'my-client-ca',
    replicationTLSSecret: 'my-replication',
    serverAltDNSNames: ['db.example.com'],
  });
  assert.deepEqual(spec.monitoring, {
    disableDefaultQueries: true,
    customQueriesConfigMap: [{ name: 'queries', key: 'custom.yaml' }],
    customQueriesSecret: [{ name: 'secret-queries', key: 'q.yaml' }],
    metricsQueriesTTLSeconds: 90,
    tlsEnabled: true,
  });
  assert.deepEqual(spec.probes, {
    startup: { type: 'query' },
    readiness: { type: 'streaming', maximumLag: '16Mi' },
    liveness: { isolationCheck: false, requestTimeoutMs: 2000, connectionTimeoutMs: 500 },
  });
});

const HEAD = 'apiVersion: postgresql.cnpg.io/v1\nkind: Cluster\nmetadata:\n  name: pg\n';

const documentCases: { name: string; text: string; path: string; part: string }[] = [
  { name: 'malformed YAML names the line', text: `${HEAD}spec:\n  instances: [1\n  foo: bar\n`, path: 'test.yaml', part: 'invalid YAML at line ' },
  { name: 'bad indentation names line 7', text: `${HEAD}spec:\n    instances: 1\n  storage: {}\n`, path: 'test.yaml', part: 'line 7, column 1' },
  { name: 'duplicate keys are refused', text: `${HEAD}spec:\n  instances: 1\n  instances: 3\n`, path: 'test.yaml', part: 'line 7, column 3: Map keys must be unique' },
  { name: 'wrong apiVersion', text: HEAD.replace('postgresql.cnpg.io/v1', 'postgresql.cnpg.io/v2'), path: 'apiVersion', part: 'must be postgresql.cnpg.io/v1, got "postgresql.cnpg.io/v2"' },
  { name: 'missing apiVersion', text: HEAD.replace('apiVersion: postgresql.cnpg.io/v1\n', ''), path: 'apiVersion', part: 'got undefined' },
  { name: 'wrong kind: no Cluster document', text: HEAD.replace('kind: Cluster', 'kind: Pooler'), path: 'kind', part: 'no Cluster document was found in test.yaml (kinds found: Pooler)' },
  { name: 'empty file', text: '# nothing\n', path: 'kind', part: 'no Cluster document was found' },
  { name: 'two Clusters', text: `${HEAD}---\n${HEAD}`, path: 'kind', part: 'holds 2 Cluster documents' },
  { name: 'metadata.name required', text: 'apiVersion: postgresql.cnpg.io/v1\nkind: Cluster\nspec: {}\n', path: 'metadata.name', part: 'required' },
  { name: 'metadata.name must be a DNS label', text: HEAD.replace('name: pg', 'name: PG_1'), path: 'metadata.name', part: 'must be a DNS label' },
  { name: 'metadata.name must not start with a dash', text: HEAD.replace('name: pg', 'name: -pg'), path: 'metadata.name', part: 'must be a DNS label' },
  { name: 'metadata.name at most 63 characters', text: HEAD.replace('name: pg', `name: ${'a'.repeat(64)}`), path: 'metadata.name', part: 'must be a DNS label' },
  { name: 'metadata.name must be a string', text: HEAD.replace('name: pg', 'name: 42'), path: 'metadata.name', part: 'must be a string, got number' },
  { name: 'status must be an object', text: `${HEAD}status: ready\n`, path: 'status', part: 'must be an object, got string' },
];
for (const c of documentCases) {
  test(`document: ${c.name}`, () => assertRefused(c.text, c.path, c.part));
}

test('YAML 1.1: unquoted on/yes are booleans, so an unquoted parameter is refused with a hint', () => {
  assertRefused(`${HEAD}spec:\n  postgresql:\n    parameters:\n      log_connections: on\n`,
    'spec.postgresql.parameters.log_connections', 'must be a string (quote the value), got boolean');
  assert.equal(load(`${HEAD}spec:\n  enableSuperuserAccess: yes\n`).spec.enableSuperuserAccess, true);
});

test('a Cluster document without spec or namespace takes defaults and keeps other documents out of raw', () => {
  const cluster = parseClusterManifest(`kind: Secret\napiVersion: v1\n---\n${HEAD}`, 'x', { namespace: 'ns1' });
  assert.equal(cluster.namespace, 'ns1');
  assert.equal(cluster.spec.instances, 1);
  assert.equal(cluster.raw.kind, 'Cluster');
});

test('a maximumLag written as a YAML number keeps its text; a catalog gives the major version', () => {
  const cluster = load(`${HEAD}spec:\n  imageCatalogRef: {apiGroup: postgresql.cnpg.io, kind: ImageCatalog, name: c, major: 17}\n  probes:\n    readiness: {type: streaming, maximumLag: 1024}\n`);
  assert.deepEqual(cluster.spec.probes.readiness, { type: 'streaming', maximumLag: '1024' });
  assert.equal(cluster.spec.postgresMajor, 17);
  assert.equal(cluster.spec.imageName, undefined);
});
