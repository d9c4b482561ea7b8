import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderPgHba, quoteHbaLiteral, defaultAuthMethod, defaultRules, buildLdapLine, type PgHbaInput } from '../../../src/pgfiles/hba.js';
import { readFixture } from './fixture-path.js';

const simpleBind: PgHbaInput['ldap'] = {
  spec: { server: 'ldap.example.com', port: 389, scheme: 'ldap', tls: true, bindAsAuth: { prefix: 'cn=', suffix: ', dc=example, dc=com' } },
};
const searchBind: PgHbaInput['ldap'] = {
  spec: {
    server: 'ldap.example.com',
    port: 0,
    scheme: 'ldaps',
    tls: false,
    bindSearchAuth: { baseDN: 'dc=example,dc=com', bindDN: 'cn=admin,dc=example,dc=com', bindPassword: { name: 'ldap-secret', key: 'password' }, searchAttribute: 'uid' },
  },
  bindPassword: 'p"ss:w\\rd',
};
const USER_RULES = ['hostssl app app 10.0.0.0/8 scram-sha-256', 'host all all 192.168.1.0/24 reject'];

// [name, input, fixture]: CNPG's layout, with TLS-only LDAP and catch-all lines and a last plain-TCP reject.
const RENDER_CASES: [string, PgHbaInput, string][] = [
  ['without user rules', { userRules: [], pgMajor: 15 }, 'hba-no-user-rules.conf'],
  ['user rules in spec order between fixed and default rules', { userRules: USER_RULES, pgMajor: 16 }, 'hba-user-rules.conf'],
  ['LDAP simple bind', { userRules: [], pgMajor: 15, ldap: simpleBind }, 'hba-ldap-simple-bind.conf'],
  ['LDAP search+bind quotes a password holding a double quote', { userRules: ['hostssl all all 0.0.0.0/0 cert'], pgMajor: 15, ldap: searchBind }, 'hba-ldap-search-bind.conf'],
  ['PostgreSQL 13 falls back to md5', { userRules: [], pgMajor: 13 }, 'hba-pg13-md5.conf'],
];

for (const [name, input, fixture] of RENDER_CASES) {
  test(`pg_hba.conf ${name}: ${fixture}`, () => {
    assert.equal(renderPgHba(input), readFixture(fixture));
  });
}

// The records of a rendered file: [connection type, database, user, ..., method].
function records(text: string): string[][] {
  return text.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#')).map((l) => l.split(/\s+/));
}

test('only user rules accept TCP without TLS: every other TCP line is hostssl, the last one rejects hostnossl', () => {
  for (const [name, input] of RENDER_CASES) {
    const recs = records(renderPgHba(input));
    const last = recs.pop();
    assert.deepEqual(last, ['hostnossl', 'all', 'all', 'all', 'reject'], name);
    const ours = recs.filter((r) => !input.userRules.includes(r.join(' ')));
    for (const r of ours) assert.ok(r[0] === 'local' || r[0] === 'hostssl', `${name}: ${r.join(' ')}`);
  }
});

test('user rules come before the LDAP and default rules, so a user host line lets plain TCP in', () => {
  const userRules = ['host app app 10.0.0.0/8 scram-sha-256'];
  const lines = renderPgHba({ userRules, pgMajor: 15, ldap: simpleBind }).split('\n');
  const at = (prefix: string): number => lines.findIndex((l) => l.startsWith(prefix));
  assert.ok(at('host app app') > at('hostssl replication streaming_replica'));
  assert.ok(at('host app app') < at('hostssl all all 0.0.0.0/0 ldap'));
  assert.ok(at('hostssl all all 0.0.0.0/0 ldap') < at('hostssl all all all scram-sha-256'));
  assert.ok(at('hostssl all all all scram-sha-256') < at('hostnossl all all all reject'));
});

test('default rules: TLS-only catch-all with the method of the major version, then the plain-TCP reject', () => {
  const cases: [number, string][] = [
    [13, 'hostssl all all all md5\nhostnossl all all all reject\n'],
    [14, 'hostssl all all all scram-sha-256\nhostnossl all all all reject\n'],
    [17, 'hostssl all all all scram-sha-256\nhostnossl all all all reject\n'],
  ];
  for (const [major, expected] of cases) assert.equal(defaultRules(major), expected, String(major));
});

test('default method switches at PostgreSQL 14', () => {
  const cases: [number, string][] = [[12, 'md5'], [13, 'md5'], [14, 'scram-sha-256'], [17, 'scram-sha-256']];
  for (const [major, method] of cases) assert.equal(defaultAuthMethod(major), method);
});

test('quoteHbaLiteral doubles quotes and continues newlines', () => {
  const cases: [string, string][] = [
    ['plain', '"plain"'],
    ['a"b', '"a""b"'],
    ['""', '""""""'],
    ['a\nb', '"a\\\nb"'],
    ['', '""'],
  ];
  for (const [value, expected] of cases) assert.equal(quoteHbaLiteral(value), expected);
});

test('LDAP options come in CNPG order; empty or absent ones are left out', () => {
  const search = { baseDN: 'dc=x', bindDN: 'cn=a', searchFilter: '(uid=$username)', searchAttribute: 'uid' };
  const cases: [Parameters<typeof buildLdapLine>[0], string, string][] = [
    [{ server: 's', tls: false }, '', 'hostssl all all 0.0.0.0/0 ldap ldapserver="s"'],
    [
      { server: 's', port: 0, tls: false, bindSearchAuth: { baseDN: 'dc=x', bindDN: 'cn=a', searchFilter: '' } },
      '',
      'hostssl all all 0.0.0.0/0 ldap ldapserver="s" ldapbasedn="dc=x" ldapbinddn="cn=a" ldapbindpasswd=""',
    ],
    // PostgreSQL refuses a filter together with an attribute; CNPG renders both anyway and so do we.
    [
      { server: 's', tls: true, bindSearchAuth: search },
      'pw',
      'hostssl all all 0.0.0.0/0 ldap ldapserver="s" ldaptls=1 ldapbasedn="dc=x" ldapbinddn="cn=a" ldapbindpasswd="pw"' +
        ' ldapsearchfilter="(uid=$username)" ldapsearchattribute="uid"',
    ],
  ];
  for (const [spec, password, expected] of cases) assert.equal(buildLdapLine(spec, password), expected);
});
