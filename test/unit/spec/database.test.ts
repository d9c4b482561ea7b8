// Database objects as CNPG's CRD admits them: defaults, the reserved names, the locale-provider rules,
// and a clear path for each bad field.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { databaseFromObject } from '../../../src/spec/database.js';
import { REPO_ROOT } from '../../helpers/paths.js';

const object = (spec: Record<string, unknown>, name = 'db-one'): Record<string, unknown> => ({ apiVersion: 'postgresql.cnpg.io/v1', kind: 'Database', metadata: { name }, spec: { cluster: { name: 'c1' }, name: 'one', owner: 'app', ...spec } });

test('the three CNPG samples load, with the defaults ensure present and reclaim policy retain', () => {
  for (const file of ['database-example.yaml', 'database-example-icu.yaml', 'database-example-fail.yaml']) {
    const doc = parseAllDocuments(readFileSync(join(REPO_ROOT, 'test/fixtures/cnpg-samples', file), 'utf8'))[0]?.toJS() as unknown;
    const db = databaseFromObject(doc);
    assert.equal(db.spec.ensure, 'present', file);
    assert.equal(db.spec.reclaimPolicy, 'retain', file);
    assert.equal(db.spec.cluster, 'cluster-example', file);
  }
});

test('fields are read with their CNPG names', () => {
  const db = databaseFromObject(object({ localeCollate: 'C', localeCType: 'C', databaseReclaimPolicy: 'delete', connectionLimit: -1, extensions: [{ name: 'hstore', schema: 'ext' }], schemas: [{ name: 's', owner: 'app', ensure: 'absent' }] }));
  assert.equal(db.spec.localeCollate, 'C');
  assert.equal(db.spec.reclaimPolicy, 'delete');
  assert.deepEqual(db.spec.extensions, [{ name: 'hstore', ensure: 'present', schema: 'ext' }]);
  assert.deepEqual(db.spec.schemas, [{ name: 's', ensure: 'absent', owner: 'app' }]);
});

const bad: [string, Record<string, unknown>, RegExp][] = [
  ['reserved name', { name: 'template1' }, /spec\.name: the name template1 is reserved/],
  ['reserved postgres', { name: 'postgres' }, /the name postgres is reserved/],
  ['icuLocale without the icu provider', { icuLocale: 'en' }, /spec\.icuLocale: is only available when localeProvider is set to `icu`/],
  ['unknown field', { ownr: 'x' }, /spec\.ownr: unknown field/],
  ['bad ensure', { ensure: 'maybe' }, /spec\.ensure: must be one of present, absent/],
  ['bad reclaim policy', { databaseReclaimPolicy: 'keep' }, /spec\.databaseReclaimPolicy: must be one of delete, retain/],
  ['connection limit below -1', { connectionLimit: -2 }, /spec\.connectionLimit: must be an integer >= -1/],
  ['a name too long for PostgreSQL', { name: 'x'.repeat(64) }, /spec\.name: is longer than 63 bytes/],
  ['a NUL in a name', { owner: 'a\0b' }, /spec\.owner: must not contain a NUL/],
  ['no cluster', { cluster: undefined }, /spec\.cluster\.name: required/],
  ['a duplicate extension (CNPG webhook)', { extensions: [{ name: 'hstore' }, { name: 'hstore', ensure: 'absent' }] }, /spec\.extensions\[1\]\.name: duplicate name "hstore"/],
  ['a duplicate schema (CNPG webhook)', { schemas: [{ name: 's' }, { name: 's' }] }, /spec\.schemas\[1\]\.name: duplicate name "s"/],
];
for (const [what, spec, message] of bad) {
  test(`refused: ${what}`, () => assert.throws(() => databaseFromObject(object(spec)), message));
}

test('refused: a metadata.name that is not an object name', () => {
  assert.throws(() => databaseFromObject(object({}, '../x')), /metadata\.name: must be a Kubernetes object name/);
});

test('fdws and servers are read with their CNPG names and defaults', () => {
  const db = databaseFromObject(
    object({
      fdws: [{ name: 'postgres_fdw', handler: '-', validator: 'v', owner: 'postgres', options: [{ name: 'a', value: '1' }, { name: 'b', ensure: 'absent' }], usage: [{ name: 'app' }, { name: 'bob', type: 'revoke' }] }],
      servers: [{ name: 'remote', fdw: 'postgres_fdw', options: [{ name: 'host', value: 'h' }], usage: [{ name: 'app', type: 'grant' }] }, { name: 'old', fdw: 'gone', ensure: 'absent' }],
    }),
  );
  assert.deepEqual(db.spec.fdws, [
    {
      name: 'postgres_fdw', ensure: 'present', handler: '-', validator: 'v', owner: 'postgres',
      options: [{ name: 'a', value: '1', ensure: 'present' }, { name: 'b', value: '', ensure: 'absent' }],
      usage: [{ name: 'app', type: 'grant' }, { name: 'bob', type: 'revoke' }],
    },
  ]);
  assert.deepEqual(db.spec.servers, [
    { name: 'remote', ensure: 'present', fdw: 'postgres_fdw', options: [{ name: 'host', value: 'h', ensure: 'present' }], usage: [{ name: 'app', type: 'grant' }] },
    { name: 'old', ensure: 'absent', fdw: 'gone', options: [], usage: [] },
  ]);
});

const w = { name: 'w' };
const badForeign: [string, Record<string, unknown>, RegExp][] = [
  ['an fdw without a name', { fdws: [{ handler: 'h' }] }, /^spec\.fdws\[0\]\.name: required/],
  ['an unknown fdw field', { fdws: [{ name: 'w', handlr: 'h' }] }, /^spec\.fdws\[0\]\.handlr: unknown field/],
  ['a duplicate fdw', { fdws: [w, w] }, /^spec\.fdws\[1\]\.name: duplicate name "w"/],
  ['a bad fdw ensure', { fdws: [{ name: 'w', ensure: 'gone' }] }, /^spec\.fdws\[0\]\.ensure: must be one of present, absent/],
  ['a handler too long', { fdws: [{ name: 'w', handler: 'h'.repeat(64) }] }, /^spec\.fdws\[0\]\.handler: is longer than 63 bytes/],
  ['a present option without value', { fdws: [{ name: 'w', options: [{ name: 'a' }] }] }, /^spec\.fdws\[0\]\.options\[0\]\.value: required/],
  ['a duplicate option', { fdws: [{ name: 'w', options: [{ name: 'a', value: '1' }, { name: 'a', value: '2' }] }] }, /^spec\.fdws\[0\]\.options\[1\]\.name: duplicate name "a"/],
  ['a NUL in an option value', { fdws: [{ name: 'w', options: [{ name: 'a', value: 'x\0y' }] }] }, /^spec\.fdws\[0\]\.options\[0\]\.value: must not contain a NUL/],
  ['a bad usage type', { fdws: [{ name: 'w', usage: [{ name: 'app', type: 'allow' }] }] }, /^spec\.fdws\[0\]\.usage\[0\]\.type: must be one of grant, revoke/],
  ['a usage without name', { fdws: [{ name: 'w', usage: [{ type: 'grant' }] }] }, /^spec\.fdws\[0\]\.usage\[0\]\.name: required/],
  ['fdws not a list', { fdws: { name: 'w' } }, /^spec\.fdws: must be a list/],
  ['a server without fdw', { fdws: [w], servers: [{ name: 's' }] }, /^spec\.servers\[0\]\.fdw: required/],
  ['a server whose fdw is not declared', { fdws: [w], servers: [{ name: 's', fdw: 'postgres_fdw' }] }, /^spec\.servers\[0\]\.fdw: foreign data wrapper "postgres_fdw" is not declared in spec\.fdws/],
  ['a duplicate server', { fdws: [w], servers: [{ name: 's', fdw: 'w' }, { name: 's', fdw: 'w' }] }, /^spec\.servers\[1\]\.name: duplicate name "s"/],
  ['an unknown option field', { fdws: [w], servers: [{ name: 's', fdw: 'w', options: [{ name: 'a', value: '1', ensur: 'absent' }] }] }, /^spec\.servers\[0\]\.options\[0\]\.ensur: unknown field/],
];
for (const [what, spec, message] of badForeign) {
  test(`refused: ${what}`, () => assert.throws(() => databaseFromObject(object(spec)), (err: Error) => message.test(err.message)));
}
