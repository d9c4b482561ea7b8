// The initdb bootstrap's SQL refs and logical import, against a second running manager as the external
// cluster: a microservice import over password authentication with the SQL refs run in CNPG's order and
// postImportApplicationSQL; a schema-only microservice import and a monolith import (every database and role)
// over a TLS client certificate; an unreachable source and a missing ConfigMap key fail the bootstrap
// naming what is wrong, and leave a PGDATA the next start throws away (marker phase initdb), never a cluster.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createClientCert } from '../../src/tls/generate.js';
import { freePort, manifest, startManager, tempDir, type LogLine, type ManagerHandle } from '../helpers/manager.js';
import { superuserQuery } from '../helpers/config-tree.js';
import { killLeftovers } from '../helpers/lifecycle-procs.js';

const READY = (l: LogLine): boolean => l.msg === 'instance ready';
const EXIT_BOOTSTRAP = 10;

// One key of a Secret or ConfigMap in the embedded default's folders (state/secrets, state/configmaps).
function put(stateDir: string, kind: 'secrets' | 'configmaps', name: string, data: Record<string, string>): void {
  const folder = join(stateDir, kind, name);
  mkdirSync(folder, { recursive: true, mode: 0o755 });
  for (const [key, value] of Object.entries(data)) writeFileSync(join(folder, key), value, { mode: 0o644 });
}

function externalCluster(port: number, kind: 'basic' | 'tls'): string {
  const lines = ['externalClusters:', '  - name: src', '    connectionParameters:', '      host: 127.0.0.1', `      port: "${port}"`];
  if (kind === 'basic') return [...lines, '      user: app', '      dbname: app', '    password: {name: src-app, key: password}'].join('\n');
  return [...lines, '      user: postgres', '      sslmode: verify-ca', '    sslCert: {name: src-client, key: tls.crt}', '    sslKey: {name: src-client, key: tls.key}',
    '    sslRootCert: {name: src-ca, key: ca.crt}'].join('\n');
}

describe('bootstrap: SQL refs and logical import', () => {
  const dirs: string[] = [];
  const handles: ManagerHandle[] = [];
  let source: ManagerHandle;
  const secrets: Record<string, Record<string, string>> = {};

  before(async () => {
    const dir = tempDir('pgim-import-src-');
    dirs.push(dir);
    // The source lets postgres in with a certificate (the monolith reads pg_authid), app with its password.
    source = await startManager({ dir, manifestText: manifest('src', 'postgresql:\n  pg_hba:\n    - hostssl all postgres 127.0.0.1/32 cert') });
    handles.push(source);
    await source.waitForLine(READY, 60_000, 'source ready');
    await superuserQuery(source, 'CREATE TABLE items (id int PRIMARY KEY, name text); INSERT INTO items SELECT g, $$item $$ || g FROM generate_series(1, 500) g; ALTER TABLE items OWNER TO app', 'app');
    await superuserQuery(source, "CREATE ROLE alice LOGIN PASSWORD 'alice-pw'; CREATE ROLE readers NOLOGIN; GRANT readers TO alice");
    await superuserQuery(source, 'CREATE DATABASE extra OWNER alice');
    await superuserQuery(source, 'CREATE TABLE notes (t text); INSERT INTO notes VALUES ($$from extra$$)', 'extra');
    const secretsDir = join(source.stateDir, 'secrets');
    const ca = { certPem: readFileSync(join(secretsDir, 'src-ca', 'ca.crt'), 'utf8'), keyPem: readFileSync(join(secretsDir, 'src-ca', 'ca.key'), 'utf8') };
    const client = await createClientCert({ ca, commonName: 'postgres' });
    secrets['src-app'] = { password: readFileSync(join(secretsDir, 'src-app', 'password'), 'utf8') };
    secrets['src-ca'] = { 'ca.crt': ca.certPem };
    secrets['src-client'] = { 'tls.crt': client.certPem, 'tls.key': client.keyPem };
  });
  after(async () => {
    await Promise.all(handles.map((h) => h.stop(15_000)));
    // Six PGDATAs: removed side by side (about 4 s each one after the other on a loaded machine).
    await Promise.all(dirs.map(async (d) => {
      await killLeftovers(d);
      await rm(d, { recursive: true, force: true });
    }));
  });

  async function destination(prefix: string, spec: string, extra: (stateDir: string) => void = () => undefined): Promise<ManagerHandle> {
    const dir = tempDir(prefix);
    dirs.push(dir);
    const stateDir = join(dir, 'state');
    for (const [name, data] of Object.entries(secrets)) put(stateDir, 'secrets', name, data);
    extra(stateDir);
    const h = await startManager({ dir, manifestText: manifest('dst', spec) });
    handles.push(h);
    return h;
  }

  test('microservice over a password: data imported, SQL refs in CNPG order, postImportApplicationSQL', async () => {
    const spec = [
      'bootstrap:', '  initdb:',
      '    postInitSQL: ["CREATE TABLE steps (n serial, what text)", "INSERT INTO steps (what) VALUES ($$inline$$)"]',
      // Written ConfigMaps first: Secrets still run first.
      '    postInitSQLRefs:', '      configMapRefs: [{name: sql-cm, key: postgres.sql}]', '      secretRefs: [{name: sql-secret, key: postgres.sql}]',
      '    postInitTemplateSQL: ["CREATE TABLE public.steps (n serial, what text)", "INSERT INTO public.steps (what) VALUES ($$template inline$$)"]',
      '    postInitTemplateSQLRefs:', '      configMapRefs: [{name: sql-cm, key: template.sql}]',
      '    postInitApplicationSQL: ["INSERT INTO public.steps (what) VALUES ($$app inline$$)"]',
      '    postInitApplicationSQLRefs:', '      secretRefs: [{name: sql-secret, key: app.sql}]', '      configMapRefs: [{name: sql-cm, key: app.sql}]',
      '    import:', '      type: microservice', '      databases: [app]', '      source: {externalCluster: src}',
      '      postImportApplicationSQL: ["INSERT INTO public.steps (what) SELECT $$post-import $$ || count(*) FROM items"]',
      ...externalCluster(source.port, 'basic').split('\n'),
    ].join('\n');
    const h = await destination('pgim-import-ms-', spec, (stateDir) => {
      put(stateDir, 'secrets', 'sql-secret', { 'postgres.sql': "INSERT INTO steps (what) VALUES ('secret'); INSERT INTO steps (what) VALUES ('secret 2');", 'app.sql': "INSERT INTO public.steps (what) VALUES ('app secret')" });
      put(stateDir, 'configmaps', 'sql-cm', { 'postgres.sql': "INSERT INTO steps (what) VALUES ('configmap')", 'template.sql': "INSERT INTO public.steps (what) VALUES ('template configmap')", 'app.sql': "INSERT INTO public.steps (what) VALUES ('app configmap')" });
    });
    await h.waitForLine(READY, 60_000, 'destination ready');
    assert.equal(await superuserQuery(h, 'SELECT string_agg(what, $$,$$ ORDER BY n) FROM steps'), 'inline,secret,secret 2,configmap');
    assert.equal(await superuserQuery(h, 'SELECT string_agg(what, $$,$$ ORDER BY n) FROM public.steps', 'template1'), 'template inline,template configmap');
    assert.equal(await superuserQuery(h, 'SELECT string_agg(what, $$,$$ ORDER BY n) FROM public.steps', 'app'),
      'template inline,template configmap,app inline,app secret,app configmap,post-import 500');
    assert.equal(await superuserQuery(h, "SELECT count(*) || ' ' || max(name) || ' ' || pg_catalog.pg_get_userbyid(relowner) FROM items, pg_class WHERE relname = 'items' GROUP BY relowner", 'app'), '500 item 99 app');
    assert.equal(await superuserQuery(h, "SELECT rolsuper FROM pg_roles WHERE rolname = 'app'"), 'f', 'the owner is no superuser after the restore');
    assert.ok(h.lines.some((l) => l.msg === 'logical import complete'), 'the import logs its end');
    assert.ok(!JSON.stringify(h.lines).includes(secrets['src-app']?.password ?? '?'), 'the source password is never logged');
  });

  test('schemaOnly microservice and a monolith of every database and role, over a client certificate', async () => {
    const schema = await destination('pgim-import-schema-', ['bootstrap:', '  initdb:', '    import:', '      type: microservice', '      schemaOnly: true',
      '      databases: [app]', '      source: {externalCluster: src}', ...externalCluster(source.port, 'tls').split('\n')].join('\n'));
    const mono = await destination('pgim-import-mono-', ['bootstrap:', '  initdb:', '    import:', '      type: monolith', '      databases: ["*"]', '      roles: ["*"]',
      '      source: {externalCluster: src}', ...externalCluster(source.port, 'tls').split('\n')].join('\n'));
    await schema.waitForLine(READY, 60_000, 'schema-only destination ready');
    assert.equal(await superuserQuery(schema, 'SELECT count(*) FROM items', 'app'), '0', 'the table is there, without rows');
    await mono.waitForLine(READY, 60_000, 'monolith destination ready');
    assert.equal(await superuserQuery(mono, 'SELECT count(*) FROM items', 'app'), '500');
    assert.equal(await superuserQuery(mono, 'SELECT t FROM notes', 'extra'), 'from extra');
    assert.equal(await superuserQuery(mono, "SELECT pg_catalog.pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'extra'"), 'alice');
    assert.equal(await superuserQuery(mono, "SELECT string_agg(r.rolname, ',') FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid JOIN pg_roles u ON u.oid = m.member WHERE u.rolname = 'alice'"), 'readers');
    assert.match(await superuserQuery(mono, "SELECT rolpassword FROM pg_authid WHERE rolname = 'alice'"), /^SCRAM-SHA-256\$/, "alice keeps her password's verifier");
  });

  test('an unreachable source and a missing ConfigMap key fail the bootstrap, naming them, and nothing starts', async () => {
    const closed = await freePort();
    const unreachable = await destination('pgim-import-bad-', ['bootstrap:', '  initdb:', '    import:', '      type: microservice', '      databases: [app]',
      '      source: {externalCluster: src}', ...externalCluster(closed, 'basic').split('\n')].join('\n'));
    const missing = await destination('pgim-sqlrefs-bad-', ['bootstrap:', '  initdb:', '    postInitApplicationSQLRefs:', '      configMapRefs: [{name: sql-cm, key: nope.sql}]'].join('\n'),
      (stateDir) => put(stateDir, 'configmaps', 'sql-cm', { 'app.sql': 'SELECT 1' }));
    for (const [h, pattern] of [
      [unreachable, /logical import: pg_dump \(database "app" of externalClusters "src"\) failed \(exit code 1\):.*(refused|failed)/],
      [missing, /spec\.bootstrap\.initdb\.postInitApplicationSQLRefs\.configMapRefs\[0\]: missing key nope\.sql inside ConfigMap sql-cm/],
    ] as const) {
      const exit = await h.exited;
      assert.equal(exit.code, EXIT_BOOTSTRAP, `exit code; stderr: ${h.stderr().slice(-800)}`);
      const text = `${JSON.stringify(h.lines)}\n${h.stderr()}`;
      assert.match(text, pattern);
      assert.ok(!h.lines.some(READY), 'never ready');
      assert.match(readFileSync(join(h.stateDir, 'pgdata', 'pgim.bootstrap-pending'), 'utf8'), /^phase=initdb$/m, 'the next start bootstraps again');
    }
  });
});
