// Declarative Databases in the embedded default, on one running instance: Database documents beside the
// Cluster in the manifest are created with their creation options, a schema and an extension, and their
// status written to databases/<name>.json; an edit changes the owner; ensure absent drops; a document removed
// with databaseReclaimPolicy delete drops its database, with retain keeps it. Bad inputs (another Cluster, a
// reserved name, a missing owner role, a creation-only change) get applied=false with the reason, a log
// line, no change, while the others are still reconciled and the instance keeps running.
import { after as afterAll, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { manifest, startManager, tempDir, type ManagerHandle } from '../helpers/manager.js';
import { killLeftovers, superuserQuery, waitUntil, writeFileAtomicForTest } from '../helpers/config-tree.js';

const dir = tempDir('pgim-databases-');
let h: ManagerHandle;

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

function status(object: string): Record<string, unknown> | undefined {
  const path = join(h.stateDir, 'databases', `${object}.json`);
  if (!existsSync(path)) return undefined;
  return (JSON.parse(readFileSync(path, 'utf8')) as { status?: Record<string, unknown> }).status;
}

const exists = async (name: string): Promise<boolean> => (await superuserQuery(h, `SELECT count(*) FROM pg_database WHERE datname = '${name}'`)) === '1';

before(async () => {
  h = await startManager({ dir, manifestText: manifest('t1') + one('app') + keep() + foreign + reserved + ghost + icu });
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
