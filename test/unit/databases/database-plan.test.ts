// The Database plan as a table: declared spec and the database as it is -> the statements, or the refusal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planDatabase, planExtension, planSchema, type Plan } from '../../../src/databases/database-plan.js';
import type { ExistingDatabase } from '../../../src/db/database-catalog.js';
import type { DatabaseSpec } from '../../../src/spec/database.js';

const spec = (over: Partial<DatabaseSpec> = {}): DatabaseSpec => ({ cluster: 'c1', ensure: 'present', name: 'app', owner: 'app', reclaimPolicy: 'retain', schemas: [], extensions: [], fdws: [], servers: [], ...over });
const existing = (over: Partial<ExistingDatabase> = {}): ExistingDatabase => ({
  owner: 'app', allowConnections: true, connectionLimit: -1, isTemplate: false, tablespace: 'pg_default', encoding: 'UTF8', collate: 'C', ctype: 'C', localeProvider: 'libc', ...over,
});

const rows: { what: string; spec: DatabaseSpec; existing?: ExistingDatabase; ownerExists?: boolean; plan: Plan | RegExp }[] = [
  { what: 'absent and missing: nothing', spec: spec({ ensure: 'absent' }), plan: { statements: [] } },
  { what: 'absent and present: dropped', spec: spec({ ensure: 'absent' }), existing: existing(), plan: { statements: ['DROP DATABASE IF EXISTS "app"'] } },
  { what: 'absent template: unmarked, then dropped', spec: spec({ ensure: 'absent' }), existing: existing({ isTemplate: true }), plan: { statements: ['ALTER DATABASE "app" WITH IS_TEMPLATE false', 'DROP DATABASE IF EXISTS "app"'] } },
  { what: 'owner role missing: refused', spec: spec(), ownerExists: false, plan: /spec\.owner: role "app" does not exist/ },
  { what: 'missing: created with owner only', spec: spec(), plan: { statements: ['CREATE DATABASE "app" OWNER "app"'] } },
  {
    what: 'missing: created with every creation option, values as literals and names as identifiers',
    spec: spec({ name: 'we"ird', template: 'template0', tablespace: 'fast', allowConnections: false, connectionLimit: 5, isTemplate: true, encoding: 'UTF8', locale: "it's", localeProvider: 'icu', icuLocale: 'en', collationVersion: '1.0' }),
    plan: { statements: [`CREATE DATABASE "we""ird" OWNER "app" TEMPLATE "template0" TABLESPACE "fast" ALLOW_CONNECTIONS false CONNECTION LIMIT 5 IS_TEMPLATE true ENCODING 'UTF8' LOCALE 'it''s' LOCALE_PROVIDER 'icu' ICU_LOCALE 'en' COLLATION_VERSION '1.0'`] },
  },
  { what: 'a backslash makes an escape string literal', spec: spec({ icuRules: 'a\\b', localeProvider: 'icu' }), plan: { statements: [`CREATE DATABASE "app" OWNER "app" LOCALE_PROVIDER 'icu' ICU_RULES E'a\\\\b'`] } },
  { what: 'present and equal: no statement', spec: spec({ encoding: 'utf-8', locale: 'C', connectionLimit: -1 }), existing: existing({ declaredEncoding: 'UTF8' }), plan: { statements: [] } },
  {
    what: 'alterable fields: one ALTER each, only what differs',
    spec: spec({ owner: 'bob', allowConnections: false, connectionLimit: 10, isTemplate: true, tablespace: 'fast' }),
    existing: existing(),
    plan: {
      statements: [
        'ALTER DATABASE "app" OWNER TO "bob"',
        'ALTER DATABASE "app" WITH ALLOW_CONNECTIONS false',
        'ALTER DATABASE "app" WITH CONNECTION LIMIT 10',
        'ALTER DATABASE "app" WITH IS_TEMPLATE true',
        'ALTER DATABASE "app" SET TABLESPACE "fast"',
      ],
    },
  },
  { what: 'encoding changed: refused', spec: spec({ encoding: 'LATIN1' }), existing: existing({ declaredEncoding: 'LATIN1' }), plan: /spec\.encoding is "LATIN1", the database has "UTF8".*creation-only/ },
  { what: 'locale changed: refused', spec: spec({ locale: 'en_US.UTF-8' }), existing: existing(), plan: /spec\.locale is "en_US\.UTF-8", the database has LC_COLLATE "C"/ },
  { what: 'provider changed: refused', spec: spec({ localeProvider: 'icu', icuLocale: 'en' }), existing: existing(), plan: /spec\.localeProvider is "icu", the database has "libc"; spec\.icuLocale is "en"/ },
  { what: 'template is not in the catalog: not refused', spec: spec({ template: 'template0' }), existing: existing(), plan: { statements: [] } },
];

for (const row of rows) {
  test(`planDatabase: ${row.what}`, () => {
    const plan = planDatabase(row.spec, row.existing, row.ownerExists ?? true);
    if (row.plan instanceof RegExp) {
      assert.ok('refusal' in plan, JSON.stringify(plan));
      assert.match(plan.refusal, row.plan);
    } else assert.deepEqual(plan, row.plan);
  });
}

const objectRows: { what: string; got: string[]; want: string[] }[] = [
  { what: 'extension missing: created with version and schema', got: planExtension({ name: 'hstore', ensure: 'present', version: '1.8', schema: 'ext' }, undefined), want: [`CREATE EXTENSION "hstore" VERSION '1.8' SCHEMA "ext"`] },
  { what: 'extension present, same: nothing', got: planExtension({ name: 'hstore', ensure: 'present' }, { version: '1.8', schema: 'public' }), want: [] },
  { what: 'extension moved and updated', got: planExtension({ name: 'hstore', ensure: 'present', version: '1.9', schema: 'ext' }, { version: '1.8', schema: 'public' }), want: ['ALTER EXTENSION "hstore" SET SCHEMA "ext"', `ALTER EXTENSION "hstore" UPDATE TO '1.9'`] },
  { what: 'extension absent and installed: dropped', got: planExtension({ name: 'hstore', ensure: 'absent' }, { version: '1.8', schema: 'public' }), want: ['DROP EXTENSION IF EXISTS "hstore"'] },
  { what: 'extension absent and missing: nothing', got: planExtension({ name: 'hstore', ensure: 'absent' }, undefined), want: [] },
  { what: 'schema missing: created with its owner', got: planSchema({ name: 's1', ensure: 'present', owner: 'app' }, undefined), want: ['CREATE SCHEMA "s1" AUTHORIZATION "app"'] },
  { what: 'schema missing, no owner', got: planSchema({ name: 's1', ensure: 'present' }, undefined), want: ['CREATE SCHEMA "s1"'] },
  { what: 'schema owner changed', got: planSchema({ name: 's1', ensure: 'present', owner: 'bob' }, { owner: 'app' }), want: ['ALTER SCHEMA "s1" OWNER TO "bob"'] },
  { what: 'schema absent and present: dropped', got: planSchema({ name: 's1', ensure: 'absent' }, { owner: 'app' }), want: ['DROP SCHEMA IF EXISTS "s1"'] },
];

for (const row of objectRows) {
  test(`objects: ${row.what}`, () => assert.deepEqual(row.got, row.want));
}
