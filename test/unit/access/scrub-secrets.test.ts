import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scrubSecrets } from '../../../src/log/scrub-secrets.js';
import { toPostgresRecord } from '../../../src/log/csv-record.js';

test('ldapbindpasswd values are redacted, quoted (with "" inside) or bare', () => {
  const cases: [string, string][] = [
    ['ldapbinddn="cn=a" ldapbindpasswd="s3cr""et x" ldapsearchattribute="uid"', 'ldapbinddn="cn=a" ldapbindpasswd=[REDACTED] ldapsearchattribute="uid"'],
    ['Connection matched pg_hba.conf line 25: "host all all 0.0.0.0/0 ldap ldapbindpasswd=bare ldapbasedn=x"', 'Connection matched pg_hba.conf line 25: "host all all 0.0.0.0/0 ldap ldapbindpasswd=[REDACTED] ldapbasedn=x"'],
    ['line: "host ldap LDAPBINDPASSWD="unterminated', 'line: "host ldap LDAPBINDPASSWD=[REDACTED]'],
    ['nothing to see', 'nothing to see'],
  ];
  for (const [input, expected] of cases) assert.equal(scrubSecrets(input), expected);
});

test('a csvlog record quoting the LDAP line has the bind password removed from every field', () => {
  const fields = Array.from({ length: 26 }, () => '');
  fields[11] = 'FATAL';
  fields[13] = 'LDAP authentication failed for user "x"';
  fields[14] = 'Connection matched pg_hba.conf line 25: "host all all 0.0.0.0/0 ldap ldapserver="h" ldapbindpasswd="s3cr""et" "';
  const { record } = toPostgresRecord(fields);
  assert.equal(JSON.stringify(record).includes("s3cr"), false, JSON.stringify(record));
  assert.match(record.detail ?? '', /ldapbindpasswd=\[REDACTED\]/);
});
