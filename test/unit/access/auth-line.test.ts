import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManifestError } from '../../../src/errors.js';
import { authFields, checkAuthRecord } from '../../../src/spec/auth-line.js';

test('authFields: blanks separate fields, a comma continues one, quotes protect blanks and #', () => {
  assert.deepEqual(authFields('host  all,  app u 10.0.0.0/8 md5'), { fields: ['host', 'all,app', 'u', '10.0.0.0/8', 'md5'], comment: false });
  assert.deepEqual(authFields('host "a #b" u addr md5 # tail'), { fields: ['host', '"a #b"', 'u', 'addr', 'md5'], comment: true });
  assert.deepEqual(authFields('   # only a comment'), { fields: [], comment: true });
});

test('records postgres accepts pass', () => {
  const hba = ['local all all peer', 'hostssl app app 10.0.0.0/8 scram-sha-256 # office', 'host all all 10.0.0.1 255.255.255.255 md5', 'host all all ${podselector:app} md5', '# a comment', ''];
  for (const line of hba) assert.doesNotThrow(() => checkAuthRecord(line, 'p', true), line);
  for (const line of ['m alice app', 'm /^(.*)@corp$ \\1', 'm "a b" c # why']) assert.doesNotThrow(() => checkAuthRecord(line, 'p', false), line);
});

test('records that postgres would refuse, or that a comment or backslash would change, are refused', () => {
  const cases: [string, boolean, RegExp][] = [
    ['host all all 0.0.0.0/0 # trust', true, /at least 5 fields before the "#" comment, got 4/],
    ['local all all', true, /local record needs at least 4 fields/],
    ['hots all all 0.0.0.0/0 md5', true, /unknown connection type "hots"/],
    ['host all all 0.0.0.0/0 trust \\', true, /backslash/],
    ['m alice', false, /exactly 3 fields/],
    ['m alice app extra', false, /exactly 3 fields/],
    ['m alice # app', false, /before the "#" comment/],
  ];
  for (const [line, isHba, message] of cases) {
    assert.throws(() => checkAuthRecord(line, 'spec.postgresql.pg_hba[3]', isHba), (err: Error) => err instanceof ManifestError && err.path === 'spec.postgresql.pg_hba[3]' && message.test(err.message), line);
  }
});
