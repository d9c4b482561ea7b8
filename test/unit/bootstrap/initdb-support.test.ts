// initdb options newer than PG_BIN's initdb are named with the version they need, before initdb runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { unsupportedInitdbField } from '../../../src/bootstrap/initdb-support.js';
import type { InitdbSpec } from '../../../src/spec/cluster.js';

const base: InitdbSpec = { database: 'app', owner: 'app', secretName: 'c-app', encoding: 'UTF8', dataChecksums: false, options: [], postInitSQL: [], postInitApplicationSQL: [], postInitTemplateSQL: [] };

test('icuRules needs 16, builtin locales 17; older options pass', () => {
  assert.deepEqual(unsupportedInitdbField({ ...base, localeProvider: 'icu', icuLocale: 'en-US', icuRules: '&A < g' }, 15), { field: 'bootstrap.initdb.icuRules', needs: 16 });
  assert.equal(unsupportedInitdbField({ ...base, localeProvider: 'icu', icuRules: '&A < g' }, 16), undefined);
  assert.deepEqual(unsupportedInitdbField({ ...base, localeProvider: 'builtin', builtinLocale: 'C.UTF-8' }, 16), { field: 'bootstrap.initdb.builtinLocale', needs: 17 });
  assert.deepEqual(unsupportedInitdbField({ ...base, localeProvider: 'builtin' }, 15), { field: 'bootstrap.initdb.localeProvider', needs: 17 });
  assert.equal(unsupportedInitdbField({ ...base, localeProvider: 'icu', icuLocale: 'en-US', dataChecksums: true }, 15), undefined);
});

test('image-volume extensions need 18', () => {
  assert.deepEqual(unsupportedInitdbField(base, 15, true), { field: 'postgresql.extensions', needs: 18 });
  assert.equal(unsupportedInitdbField(base, 18, true), undefined);
  assert.deepEqual(unsupportedInitdbField(base, 15, false, true), { field: 'replicationSlots.highAvailability.synchronizeLogicalDecoding', needs: 17 });
  assert.equal(unsupportedInitdbField(base, 17, false, true), undefined);
  assert.equal(unsupportedInitdbField(base, 15, false), undefined);
});
