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
  ['fdws are not built', { fdws: [{ name: 'x' }] }, /spec\.fdws: not supported yet/],
  ['no cluster', { cluster: undefined }, /spec\.cluster\.name: required/],
];
for (const [what, spec, message] of bad) {
  test(`refused: ${what}`, () => assert.throws(() => databaseFromObject(object(spec)), message));
}

test('refused: a metadata.name that is not an object name', () => {
  assert.throws(() => databaseFromObject(object({}, '../x')), /metadata\.name: must be a Kubernetes object name/);
});
