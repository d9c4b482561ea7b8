// spec.managed.roles at load: CRD defaults applied, and what CNPG's webhook refuses (a duplicate, a reserved
// name, a password both set and disabled, a connection limit under -1) refused naming the field.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stringify } from 'yaml';
import { ManifestError } from '../../../src/errors.js';
import { parseClusterManifest } from '../../../src/spec/load-manifest.js';

const load = (roles: unknown[]) =>
  parseClusterManifest(stringify({ apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', metadata: { name: 'pg' }, spec: { managed: { roles } } }), 'm.yaml', { namespace: 'default' });

test('defaults: present, inherit, no connection limit, no password change; validUntil normalised to RFC 3339 UTC', () => {
  const [role] = load([{ name: 'dante', validUntil: '2053-04-12T17:04:05+02:00', inRoles: ['a', 'a'] }]).spec.managedRoles;
  assert.deepEqual(role, {
    name: 'dante', ensure: 'present', comment: '', disablePassword: false, superuser: false, createdb: false, createrole: false, inherit: true,
    login: false, replication: false, bypassrls: false, connectionLimit: -1, validUntil: '2053-04-12T15:04:05.000Z', inRoles: ['a'],
  });
  assert.deepEqual(load([]).spec.managedRoles, []);
});

const refused: [string, unknown[], string, RegExp][] = [
  ['duplicate', [{ name: 'a' }, { name: 'a' }], 'spec.managed.roles[1].name', /declared twice/],
  ['reserved postgres', [{ name: 'postgres' }], 'spec.managed.roles[0].name', /reserved/],
  ['reserved streaming_replica', [{ name: 'streaming_replica' }], 'spec.managed.roles[0].name', /reserved/],
  ['reserved cnpg_', [{ name: 'cnpg_pooler_pgbouncer' }], 'spec.managed.roles[0].name', /reserved/],
  ['reserved pg_', [{ name: 'pg_monitor' }], 'spec.managed.roles[0].name', /reserved/],
  ['both password and disabled', [{ name: 'a', disablePassword: true, passwordSecret: { name: 's' } }], 'spec.managed.roles[0].disablePassword', /both sets/],
  ['connection limit -2', [{ name: 'a', connectionLimit: -2 }], 'spec.managed.roles[0].connectionLimit', /integer >= -1/],
  ['ensure', [{ name: 'a', ensure: 'gone' }], 'spec.managed.roles[0].ensure', /present, absent/],
  ['validUntil', [{ name: 'a', validUntil: 'tomorrow' }], 'spec.managed.roles[0].validUntil', /not a time/],
  ['secret name', [{ name: 'a', passwordSecret: { name: '../x' } }], 'spec.managed.roles[0].passwordSecret.name', /Kubernetes object name/],
  ['long name', [{ name: 'x'.repeat(64) }], 'spec.managed.roles[0].name', /63 bytes/],
  ['typo', [{ name: 'a', superUser: true }], 'spec.managed.roles[0].superUser', /unknown field/],
  ['empty inRoles entry', [{ name: 'a', inRoles: [''] }], 'spec.managed.roles[0].inRoles[0]', /non-empty role name/],
];
for (const [name, roles, path, message] of refused) {
  test(`refused: ${name}`, () => {
    assert.throws(() => load(roles), (err: unknown) => err instanceof ManifestError && err.path === path && message.test(err.message));
  });
}
