// The logical import's argv and SQL, as CNPG builds them (logicalimport/database.go, section.go, role.go).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dumpPath, importSections, microserviceRestoreArgs, monolithRestoreArgs, pgDumpArgs, sectionOptions, sourceConninfo } from '../../../src/bootstrap/import-args.js';
import { createRoleStatement, grantStatement, rolesToImport, type SourceRole } from '../../../src/bootstrap/import-roles.js';
import type { ImportSpec } from '../../../src/spec/cluster.js';

function spec(overrides: Partial<ImportSpec> = {}): ImportSpec {
  return {
    type: 'microservice', source: 'src', connection: { parameters: {} }, databases: ['app'], roles: [], postImportApplicationSQL: [],
    schemaOnly: false, pgDumpExtraOptions: [], pgRestoreExtraOptions: [], pgRestorePredataOptions: [], pgRestoreDataOptions: [],
    pgRestorePostdataOptions: [], ...overrides,
  };
}

test('schemaOnly drops the data section from the dump and the restore', () => {
  assert.deepEqual(importSections(spec()), ['pre-data', 'data', 'post-data']);
  assert.deepEqual(importSections(spec({ schemaOnly: true })), ['pre-data', 'post-data']);
  assert.deepEqual(pgDumpArgs(spec({ schemaOnly: true, pgDumpExtraOptions: ['--jobs=2'] }), 'dbname=app', '/d/x.dump'),
    ['-Fd', '-f', '/d/x.dump', '-d', 'dbname=app', '-v', '--section=pre-data', '--section=post-data', '--jobs=2']);
});

test('a section uses its own pg_restore options, else the generic ones, before the fixed ones', () => {
  const s = spec({ pgRestoreExtraOptions: ['--jobs=2'], pgRestoreDataOptions: ['--jobs=4'] });
  assert.deepEqual(sectionOptions(s, 'pre-data'), ['--jobs=2']);
  assert.deepEqual(sectionOptions(s, 'data'), ['--jobs=4']);
  assert.deepEqual(microserviceRestoreArgs(s, 'data', 'app', 'host=/run dbname=app', '/d/a.dump'),
    ['--jobs=4', '-U', 'postgres', '--no-owner', '--no-privileges', '--role=app', '-d', 'host=/run dbname=app', '--section', 'data', '/d/a.dump']);
  assert.deepEqual(monolithRestoreArgs(s, 'pre-data', false, 'dbname=postgres', '/d/a.dump'),
    ['--create', '--jobs=2', '-U', 'postgres', '-d', 'dbname=postgres', '--section', 'pre-data', '/d/a.dump']);
  assert.deepEqual(monolithRestoreArgs(spec(), 'post-data', true, 'dbname=db', '/d/a.dump'), ['-U', 'postgres', '-d', 'dbname=db', '--section', 'post-data', '/d/a.dump']);
});

test('the source conninfo replaces dbname and points at the files the reconciler wrote', () => {
  const conninfo = sourceConninfo({
    parameters: { host: 'src-rw', user: 'app', dbname: 'ignored', sslmode: 'verify-full' },
    password: { name: 'src-app', key: 'password' },
    sslCert: { name: 'src-tls', key: 'tls.crt' }, sslKey: { name: 'src-tls', key: 'tls.key' }, sslRootCert: { name: 'src-ca', key: 'ca.crt' },
  }, '/c/external/src', "my db's");
  // Sorted by name, as CNPG's CreateConnectionString writes them (the same builder as pg_basebackup's clone).
  assert.equal(conninfo, "dbname='my db\\'s' host=src-rw passfile=/c/external/src/pgpass sslcert=/c/external/src/src-tls_tls.crt " +
    'sslkey=/c/external/src/src-tls_tls.key sslmode=verify-full sslrootcert=/c/external/src/src-ca_ca.crt user=app');
});

test('a database name never leaves the dumps folder', () => {
  assert.equal(dumpPath('/d', '../x'), '/d/2e2e2f78.dump');
});

const role = (rolname: string, extra: Partial<SourceRole> = {}): SourceRole => ({
  rolname, rolsuper: false, rolinherit: true, rolcreaterole: false, rolcreatedb: false, rolcanlogin: true, rolbypassrls: false,
  rolconnlimit: -1, rolpassword: null, rolvaliduntil: null, ...extra,
});

test('monolith roles: the managed ones and the owner are skipped, superusers downgraded, verifiers kept', () => {
  const rows = ['postgres', 'streaming_replica', 'cnpg_metrics_exporter', 'app', 'alice', 'bob'].map((n) => role(n));
  assert.deepEqual(rolesToImport(rows, ['*'], 'app').map((r) => r.rolname), ['alice', 'bob']);
  assert.deepEqual(rolesToImport(rows, ['bob'], 'app').map((r) => r.rolname), ['bob']);
  assert.equal(createRoleStatement(role('a"b', { rolsuper: true, rolcreatedb: true, rolcanlogin: false, rolpassword: "SCRAM-SHA-256$x'y", rolconnlimit: 5 })),
    `CREATE ROLE "a""b" WITH CREATEDB NOLOGIN INHERIT PASSWORD 'SCRAM-SHA-256$x''y' CONNECTION LIMIT 5`);
  assert.equal(grantStatement({ roleid: 'readers', member: 'bob', admin_option: true, grantor: 'postgres' }), 'GRANT "readers" TO "bob" WITH ADMIN OPTION GRANTED BY "postgres"');
});
