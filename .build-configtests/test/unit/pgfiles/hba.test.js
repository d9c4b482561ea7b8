import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderPgHba, quoteHbaLiteral, defaultAuthMethod, buildLdapLine } from '../../../src/pgfiles/hba.js';
import { readFixture } from './fixture-path.js';
test('pg_hba.conf without user rules matches the CNPG bytes', () => {
    assert.equal(renderPgHba({ userRules: [], pgMajor: 15 }), readFixture('hba-no-user-rules.conf'));
});
test('pg_hba.conf with user rules keeps them in spec order between fixed and default rules', () => {
    const userRules = ['hostssl app app 10.0.0.0/8 scram-sha-256', 'host all all 192.168.1.0/24 reject'];
    assert.equal(renderPgHba({ userRules, pgMajor: 16 }), readFixture('hba-user-rules.conf'));
});
test('pg_hba.conf with LDAP simple bind', () => {
    const text = renderPgHba({
        userRules: [],
        pgMajor: 15,
        ldap: {
            spec: {
                server: 'ldap.example.com',
                port: 389,
                scheme: 'ldap',
                tls: true,
                bindAsAuth: { prefix: 'cn=', suffix: ', dc=example, dc=com' },
            },
        },
    });
    assert.equal(text, readFixture('hba-ldap-simple-bind.conf'));
});
test('pg_hba.conf with LDAP search+bind quotes a password holding a double quote', () => {
    const text = renderPgHba({
        userRules: ['hostssl all all 0.0.0.0/0 cert'],
        pgMajor: 15,
        ldap: {
            spec: {
                server: 'ldap.example.com',
                port: 0,
                scheme: 'ldaps',
                tls: false,
                bindSearchAuth: {
                    baseDN: 'dc=example,dc=com',
                    bindDN: 'cn=admin,dc=example,dc=com',
                    bindPassword: { name: 'ldap-secret', key: 'password' },
                    searchAttribute: 'uid',
                },
            },
            bindPassword: 'p"ss:w\\rd',
        },
    });
    assert.equal(text, readFixture('hba-ldap-search-bind.conf'));
});
test('pg_hba.conf for PostgreSQL 13 falls back to md5', () => {
    assert.equal(renderPgHba({ userRules: [], pgMajor: 13 }), readFixture('hba-pg13-md5.conf'));
});
test('default method switches at PostgreSQL 14', () => {
    const cases = [[12, 'md5'], [13, 'md5'], [14, 'scram-sha-256'], [17, 'scram-sha-256']];
    for (const [major, method] of cases)
        assert.equal(defaultAuthMethod(major), method);
});
test('quoteHbaLiteral doubles quotes and continues newlines', () => {
    const cases = [
        ['plain', '"plain"'],
        ['a"b', '"a""b"'],
        ['""', '""""""'],
        ['a\nb', '"a\\\nb"'],
        ['', '""'],
    ];
    for (const [value, expected] of cases)
        assert.equal(quoteHbaLiteral(value), expected);
});
test('LDAP options come in CNPG order; empty or absent ones are left out', () => {
    const search = { baseDN: 'dc=x', bindDN: 'cn=a', searchFilter: '(uid=$username)', searchAttribute: 'uid' };
    const cases = [
        [{ server: 's', tls: false }, '', 'host all all 0.0.0.0/0 ldap ldapserver="s"'],
        [
            { server: 's', port: 0, tls: false, bindSearchAuth: { baseDN: 'dc=x', bindDN: 'cn=a', searchFilter: '' } },
            '',
            'host all all 0.0.0.0/0 ldap ldapserver="s" ldapbasedn="dc=x" ldapbinddn="cn=a" ldapbindpasswd=""',
        ],
        // PostgreSQL refuses a filter together with an attribute; CNPG renders both anyway and so do we.
        [
            { server: 's', tls: true, bindSearchAuth: search },
            'pw',
            'host all all 0.0.0.0/0 ldap ldapserver="s" ldaptls=1 ldapbasedn="dc=x" ldapbinddn="cn=a" ldapbindpasswd="pw"' +
                ' ldapsearchfilter="(uid=$username)" ldapsearchattribute="uid"',
        ],
    ];
    for (const [spec, password, expected] of cases)
        assert.equal(buildLdapLine(spec, password), expected);
});
//# sourceMappingURL=hba.test.js.map