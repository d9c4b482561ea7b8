// The SQL text of role management: every attribute spelled out, memberships at creation, a password sent as a
// SCRAM verifier (never the cleartext), VALID UNTIL, and identifiers quoted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { alterRoleStatement, createRoleStatement } from '../../../src/db/managed-roles.js';
import type { ManagedRole } from '../../../src/spec/validate-managed-roles.js';

const dante: ManagedRole = {
  name: 'dante', ensure: 'present', comment: '', disablePassword: false, superuser: false, createdb: true, createrole: false,
  inherit: false, login: true, replication: false, bypassrls: false, connectionLimit: 4, validUntil: '2053-04-12T15:04:05.000Z', inRoles: ['pg_monitor', 'we"ird'],
};

test('CREATE ROLE: attributes, IN ROLE, a SCRAM verifier for the password, VALID UNTIL', () => {
  const sql = createRoleStatement(dante, { kind: 'set', value: 'secret-pw', passthrough: false });
  assert.match(sql, /^CREATE ROLE "dante" WITH NOBYPASSRLS CREATEDB NOCREATEROLE NOINHERIT LOGIN NOREPLICATION NOSUPERUSER CONNECTION LIMIT 4 IN ROLE "pg_monitor", "we""ird" PASSWORD 'SCRAM-SHA-256\$4096:[^']+' VALID UNTIL '2053-04-12T15:04:05.000Z'$/);
  assert.ok(!sql.includes('secret-pw'));
});

test('ALTER ROLE: the password kept, removed, or passed through; a removed validUntil becomes infinity', () => {
  const plain = { ...dante, validUntil: undefined };
  assert.equal(alterRoleStatement(plain, { kind: 'keep' }, false), 'ALTER ROLE "dante" WITH NOBYPASSRLS CREATEDB NOCREATEROLE NOINHERIT LOGIN NOREPLICATION NOSUPERUSER CONNECTION LIMIT 4');
  assert.match(alterRoleStatement(plain, { kind: 'null' }, true), / PASSWORD NULL VALID UNTIL 'infinity'$/);
  assert.match(alterRoleStatement(plain, { kind: 'set', value: 'md5abcdefabcdefabcdefabcdefabcdefab', passthrough: true }, false), / PASSWORD 'md5abcdefabcdefabcdefabcdefabcdefab'$/);
});
