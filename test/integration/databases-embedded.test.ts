// Declarative Databases in the embedded default, on one running instance: Database documents beside the
// Cluster in the manifest are created with their creation options, a schema and an extension, and their
// status written to databases/<name>.json; an edit changes the owner; ensure absent drops; a document removed
// with databaseReclaimPolicy delete drops its database, with retain keeps it. Bad inputs (another Cluster, a
// reserved name, a missing owner role, a creation-only change) get applied=false with the reason, a log
// line, no change, while the others are still reconciled and the instance keeps running. Foreign data
// wrappers and servers: created, used, changed and dropped, and their bad inputs refused per object.
import { after as afterAll, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, manifest, startManager, tempDir, type ManagerHandle } from '../helpers/manager.js';
import { killLeftovers, superuserQuery, waitUntil, writeFileAtomicForTest } from '../helpers/config-tree.js';

const dir = tempDir('pgim-databases-');
let h: ManagerHandle;
let port = 0;

function database(object: string, spec: string[]): string {
  return ['---', 'apiVersion: postgresql.cnpg.io/v1', 'kind: Database', 'metadata:', `  name: ${object}`, 'spec:', '  cluster:', '    name: t1', ...spec.map((l) => `  ${l}`)].join('\n') + '\n';
}

const one = (owner: string): string =>
  database('db-one', [
    'name: one',
    `owner: ${owner}`,
    'encoding: UTF8',
    'locale: C',
    'template: template0',
    'databaseReclaimPolicy: delete',
    'schemas: [{ name: ext, owner: app }]',
    'extensions: [{ name: hstore, schema: ext }, { name: plpgsql }]',
  ]);
const keep = (extra: string[] = []): string => database('db-keep', ['name: keep', 'owner: app', ...extra]);
const foreign = database('db-foreign', ['name: foreign', 'owner: app']).replace('    name: t1', '    name: other');
const reserved = database('db-reserved', ['name: template1', 'owner: app']);
const ghost = database('db-ghost', ['name: ghostdb', 'owner: nobody']);
// CNPG's database-example-icu.yaml without icuRules (PostgreSQL 16).
const icu = database('db-icu', ['name: declarative-icu', 'owner: app', 'encoding: UTF8', 'localeProvider: icu', 'icuLocale: en', 'template: template0']);

// postgres_fdw (from its extension) with a loopback server on this instance's socket, a wrapper of our own
// with no handler and no validator, and bad inputs: a handler that does not exist, a server of that broken
// wrapper, an option postgres_fdw refuses; and a Database whose server names a wrapper not declared in
// spec.fdws (refused at load, as CNPG's webhook).
type FdwStep = 'v1' | 'v2' | 'absent' | 'absent-again';
const fdwDb = (step: FdwStep): string => {
  const loopbackOptions =
    step === 'v1'
      ? `[{ name: host, value: "${join(dir, 'state', 'controller', 'run')}" }, { name: port, value: "${port}" }, { name: dbname, value: fdwdb }, { name: fetch_size, value: "100" }]`
      : `[{ name: fetch_size, value: "200" }, { name: dbname, ensure: absent }]`;
  const plain = step === 'v1' ? `{ name: plain_wrapper, handler: '-', validator: '-', options: [{ name: mode, value: "it's on" }] }` : step === 'v2' ? `{ name: plain_wrapper, options: [{ name: mode, value: "off" }] }` : '{ name: plain_wrapper, ensure: absent }';
  const broken = step === 'v1' ? ['  - { name: broken_fdw, handler: no_such_handler }'] : [];
  const servers =
    step === 'v1' || step === 'v2'
      ? [`  - { name: loopback, fdw: postgres_fdw, options: ${loopbackOptions}, usage: [{ name: app, type: ${step === 'v1' ? 'grant' : 'revoke'} }] }`, ...(step === 'v1' ? ['  - { name: orphan, fdw: broken_fdw }', '  - { name: odd, fdw: postgres_fdw, options: [{ name: no_such_option, value: x }] }'] : [])]
      : ['  - { name: loopback, fdw: postgres_fdw, ensure: absent }'];
  return database('db-fdw', [
    'name: fdwdb',
    'owner: app',
    ...(step === 'absent-again' ? ['connectionLimit: 5'] : []),
    'extensions: [{ name: postgres_fdw }]',
    'fdws:',
    '  - { name: postgres_fdw, usage: [{ name: app, type: grant }] }',
    `  - ${plain}`,
    ...broken,
    'servers:',
    ...servers,
  ]);
};
const fdwUndeclared = database('db-fdw-bad', ['name: fdwbad', 'owner: app', 'servers: [{ name: s, fdw: missing_fdw }]']);

function status(object: string): Record<string, unknown> | undefined {
  const path = join(h.stateDir, 'databases', `${object}.json`);
  if (!existsSync(path)) return undefined;
  return (JSON.parse(readFileSync(path, 'utf8')) as { status?: Record<string, unknown> }).status;
}

const exists = async (name: string): Promise<boolean> => (await superuserQuery(h, `SELECT count(*) FROM pg_database WHERE datname = '${name}'`)) === '1';

const firstManifest = (fdw: FdwStep): string => manifest('t1') + one('app') + keep() + foreign + reserved + ghost + icu + fdwDb(fdw) + fdwUndeclared;

before(async () => {
  port = await freePort();
  h = await startManager({ dir, port, manifestText: firstManifest('v1') });
  await h.waitForLine((l) => l.msg === 'instance ready', 60_000, 'instance ready');
});

afterAll(async () => {
  await h?.stop();
  killLeftovers(dir);
});

test('Databases are created with their options, schema and extensions; bad ones are refused with their reason', async () => {
  await waitUntil(() => (status('db-one')?.applied === true && status('db-ghost') !== undefined && status('db-icu') !== undefined ? true : undefined), 30_000, 'every Database passed');
  assert.equal(await superuserQuery(h, "SELECT pg_get_userbyid(datdba) || ' ' || pg_encoding_to_char(encoding) || ' ' || datcollate FROM pg_database WHERE datname = 'one'"), 'app UTF8 C');
  assert.equal(await superuserQuery(h, "SELECT e.extname || ' ' || n.nspname || ' ' || pg_get_userbyid(n.nspowner) FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE extname = 'hstore'", 'one'), 'hstore ext app');
  assert.deepEqual(status('db-one'), {
    observedGeneration: 1,
    applied: true,
    schemas: [{ name: 'ext', applied: true }],
    extensions: [
      { name: 'hstore', applied: true },
      { name: 'plpgsql', applied: true },
    ],
  });
  assert.equal(status('db-keep')?.applied, true);
  assert.ok(await exists('keep'));
  assert.equal(status('db-icu')?.applied, true, JSON.stringify(status('db-icu')));
  assert.equal(await superuserQuery(h, "SELECT datlocprovider::text || ' ' || daticulocale FROM pg_database WHERE datname = 'declarative-icu'"), 'i en');
  const refusals: [string, RegExp][] = [
    ['db-foreign', /spec\.cluster\.name: "other" is not this Cluster \("t1"\)/],
    ['db-reserved', /spec\.name: the name template1 is reserved/],
    ['db-ghost', /spec\.owner: role "nobody" does not exist/],
  ];
  for (const [object, reason] of refusals) {
    assert.equal(status(object)?.applied, false, object);
    assert.match(String(status(object)?.message), reason, object);
    assert.ok(h.lines.some((l) => l.msg === 'Database not applied' && l.object === object && reason.test(String(l.reason))), `a log line for ${object}`);
  }
  assert.equal(await exists('ghostdb'), false);
  assert.equal(await exists('foreign'), false);
});

test('foreign data wrappers and servers: created, used through the loopback server, changed, dropped; bad ones refused with their field', async () => {
  const q = (sql: string): Promise<string> => superuserQuery(h, sql, 'fdwdb');
  await waitUntil(() => (status('db-fdw') !== undefined && status('db-fdw-bad') !== undefined ? true : undefined), 30_000, 'the fdw Databases passed');
  const st = status('db-fdw') ?? {};
  assert.equal(st.applied, false, 'a broken wrapper fails the Database');
  assert.equal(st.message, 'database object reconciliation failed');
  assert.deepEqual(st.extensions, [{ name: 'postgres_fdw', applied: true }]);
  const [pgFdw, plain, broken] = st.fdws as { name: string; applied: boolean; message?: string }[];
  assert.deepEqual([pgFdw, plain], [{ name: 'postgres_fdw', applied: true }, { name: 'plain_wrapper', applied: true }]);
  assert.match(String(broken?.message), /^spec\.fdws\[2\]: while reconciling foreign data wrapper "broken_fdw": function no_such_handler\(\) does not exist \(SQLSTATE 42883\)/);
  const [loopback, orphan, odd] = st.servers as { name: string; applied: boolean; message?: string }[];
  assert.deepEqual(loopback, { name: 'loopback', applied: true });
  assert.match(String(orphan?.message), /^spec\.servers\[1\]\.fdw: foreign data wrapper "broken_fdw" does not exist/);
  assert.match(String(odd?.message), /^spec\.servers\[2\]: while reconciling server "odd": invalid option "no_such_option".*\(SQLSTATE HV00D\)/);
  assert.equal(await q("SELECT count(*) FROM pg_foreign_server WHERE srvname IN ('orphan', 'odd')"), '0');
  assert.ok(h.lines.some((l) => l.msg === 'Database not applied' && l.object === 'db-fdw' && String(l.failed).includes('no_such_handler')), 'the failure is logged with its detail');
  assert.equal(status('db-fdw-bad')?.applied, false);
  assert.match(String(status('db-fdw-bad')?.message), /^spec\.servers\[0\]\.fdw: foreign data wrapper "missing_fdw" is not declared in spec\.fdws/);
  assert.equal(await superuserQuery(h, "SELECT count(*) FROM pg_database WHERE datname = 'fdwbad'"), '0', 'a Database refused at load changes nothing');
  assert.equal(await q("SELECT fdwhandler || ' ' || fdwvalidator || ' ' || array_to_string(fdwoptions, ',') FROM pg_foreign_data_wrapper WHERE fdwname = 'plain_wrapper'"), "0 0 mode=it's on");
  assert.equal(await q("SELECT has_foreign_data_wrapper_privilege('app', 'postgres_fdw', 'USAGE') AND has_server_privilege('app', 'loopback', 'USAGE')"), 't');
  // The server works: a foreign table read through it, as the superuser (peer authentication on the socket).
  await q('CREATE USER MAPPING FOR postgres SERVER loopback; CREATE FOREIGN TABLE remote_db (datname name) SERVER loopback OPTIONS (schema_name $$pg_catalog$$, table_name $$pg_database$$)');
  assert.equal(await q("SELECT count(*) FROM remote_db WHERE datname = 'fdwdb'"), '1');
  const before = h.lines.length;

  // v2: an option set and one dropped, usage revoked, the wrapper's option set; the bad entries removed.
  writeFileAtomicForTest(h.manifestPath, firstManifest('v2'));
  await waitUntil(() => (status('db-fdw')?.observedGeneration === 2 ? true : undefined), 30_000, 'v2 applied');
  assert.equal(status('db-fdw')?.applied, true, JSON.stringify(status('db-fdw')));
  assert.equal(await q("SELECT array_to_string(srvoptions, ',') FROM pg_foreign_server WHERE srvname = 'loopback'"), `host=${join(dir, 'state', 'controller', 'run')},port=${port},fetch_size=200`);
  assert.equal(await q("SELECT has_server_privilege('app', 'loopback', 'USAGE')"), 'f');
  assert.equal(await q("SELECT array_to_string(fdwoptions, ',') FROM pg_foreign_data_wrapper WHERE fdwname = 'plain_wrapper'"), 'mode=off');
  const changes = h.lines.slice(before).filter((l) => l.msg === 'server changed' || l.msg === 'foreign data wrapper changed').map((l) => String(l.statement));
  assert.ok(changes.includes(`ALTER SERVER "loopback" OPTIONS (SET "fetch_size" '…', DROP "dbname")`), changes.join('\n'));
  assert.ok(changes.includes('REVOKE USAGE ON FOREIGN SERVER "loopback" FROM "app"'), changes.join('\n'));
  assert.ok(!changes.some((c) => c.includes('"postgres_fdw"')), `a grant in place is not sent again: ${changes.join('\n')}`);

  // ensure absent: the server still has a user mapping and a foreign table, and DROP has no CASCADE: kept, said
  // in its status; the wrapper is dropped all the same.
  writeFileAtomicForTest(h.manifestPath, firstManifest('absent'));
  await waitUntil(() => (status('db-fdw')?.observedGeneration === 3 ? true : undefined), 30_000, 'absent applied');
  assert.equal(status('db-fdw')?.applied, false);
  assert.match(String((status('db-fdw')?.servers as { message?: string }[])[0]?.message), /^spec\.servers\[0\]: while reconciling server "loopback": cannot drop server loopback because other objects depend on it \(SQLSTATE 2BP01\)/);
  assert.equal(await q("SELECT count(*) FROM pg_foreign_data_wrapper WHERE fdwname = 'plain_wrapper'"), '0');
  await q('DROP FOREIGN TABLE remote_db; DROP USER MAPPING FOR postgres SERVER loopback');
  writeFileAtomicForTest(h.manifestPath, firstManifest('absent-again'));
  await waitUntil(() => (status('db-fdw')?.observedGeneration === 4 ? true : undefined), 30_000, 'absent applied again');
  assert.equal(status('db-fdw')?.applied, true, JSON.stringify(status('db-fdw')));
  assert.equal(await q("SELECT count(*) FROM pg_foreign_server WHERE srvname = 'loopback'"), '0');
  assert.equal(h.proc.exitCode, null);
});

test('an edit changes the owner; ensure absent drops; a creation-only change is refused and changes nothing', async () => {
  await superuserQuery(h, 'CREATE ROLE bob');
  await superuserQuery(h, 'CREATE DATABASE scratch');
  const encoding = await superuserQuery(h, "SELECT pg_encoding_to_char(encoding) FROM pg_database WHERE datname = 'keep'");
  writeFileAtomicForTest(h.manifestPath, manifest('t1') + one('bob') + keep(['encoding: SQL_ASCII', 'connectionLimit: 7']) + database('db-scratch', ['name: scratch', 'owner: app', 'ensure: absent']) + icu);
  await waitUntil(() => (status('db-one')?.observedGeneration === 2 && status('db-keep')?.observedGeneration === 2 && status('db-scratch') ? true : undefined), 30_000, 'the edit applied');
  assert.equal(status('db-one')?.applied, true);
  assert.equal(await superuserQuery(h, "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'one'"), 'bob');
  assert.deepEqual(status('db-icu'), { observedGeneration: 1, applied: true }, 'an unchanged ICU database is not taken for a creation-only change');
  assert.equal(status('db-scratch')?.applied, true);
  assert.equal(await exists('scratch'), false);
  assert.equal(status('db-keep')?.applied, false);
  const message = String(status('db-keep')?.message);
  assert.ok(message.startsWith(`spec.encoding is "SQL_ASCII", the database has "${encoding}"`) && message.includes('creation-only'), message);
  assert.equal(await superuserQuery(h, "SELECT datconnlimit FROM pg_database WHERE datname = 'keep'"), '-1', 'nothing else of the refused Database was applied');
});

test('Databases removed from the manifest: delete drops the database, retain keeps it; the instance still serves', async () => {
  writeFileAtomicForTest(h.manifestPath, manifest('t1'));
  await waitUntil(() => (!existsSync(join(h.stateDir, 'databases', 'db-one.json')) && !existsSync(join(h.stateDir, 'databases', 'db-keep.json')) ? true : undefined), 30_000, 'the status files removed');
  assert.equal(await exists('one'), false, 'databaseReclaimPolicy delete: dropped');
  assert.equal(await exists('keep'), true, 'databaseReclaimPolicy retain: kept');
  assert.ok(h.lines.some((l) => l.msg === 'Database deleted: database dropped (databaseReclaimPolicy delete)' && l.database === 'one'));
  assert.equal(await superuserQuery(h, 'SELECT 1'), '1');
  assert.equal(h.proc.exitCode, null);
});
