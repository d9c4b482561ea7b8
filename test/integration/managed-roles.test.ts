// Declarative role management on one running instance (CNPG docs/src/declarative_role_management.md): roles
// created in inRoles order with their attributes, comment, memberships and a password from a Secret; the
// password follows the Secret; ALTER, REVOKE and DROP follow the manifest; a role changed by hand is brought
// back; bad input (an inRoles entry naming nothing, a missing Secret, a DROP of a role owning a table) lands in
// status.managedRolesStatus.cannotReconcile and the log while the other roles are reconciled and postgres runs.
import { after as afterAll, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { manifest, startManager, tempDir, type ManagerHandle } from '../helpers/manager.js';
import { killLeftovers, superuserQuery, waitUntil, writeFileAtomicForTest } from '../helpers/config-tree.js';
import { psql } from '../helpers/access-clients.js';
import { findSecrets, installSecret, trickyPassword } from '../helpers/access-secrets.js';

const dir = tempDir('pgim-roles-');
const secretsDir = join(dir, 'state', 'secrets');
const passwords = [trickyPassword(), trickyPassword(), trickyPassword()] as const;
let h: ManagerHandle;

interface RolesStatus {
  byStatus?: Record<string, string[]>;
  cannotReconcile?: Record<string, string[]>;
  passwordStatus?: Record<string, { transactionID?: number; resourceVersion?: string }>;
}
const rolesStatus = (): RolesStatus => {
  const status = JSON.parse(readFileSync(join(h.stateDir, 'status.json'), 'utf8')) as { managedRolesStatus?: RolesStatus };
  return status.managedRolesStatus ?? {};
};
// On a time-out, the status as it was and the role keeper's log lines say why.
const waitStatus = (what: string, ok: (s: RolesStatus) => boolean): Promise<RolesStatus> =>
  waitUntil(() => {
    const s = rolesStatus();
    return ok(s) ? s : undefined;
  }, 20_000, what).catch((err: unknown) => {
    const keeper = h.lines.filter((l) => l.component === 'managed-roles' || l.level === 'error');
    throw new Error(`${String(err)}; status ${JSON.stringify(rolesStatus())}; log ${JSON.stringify(keeper)}`);
  });
const login = (user: string, password: string): Promise<number | null> =>
  psql(h, { user, dbname: 'postgres', sslmode: 'require' }, 'SELECT 1', { PGPASSWORD: password }).then((r) => r.code);
const roleRow = (name: string): Promise<string> =>
  superuserQuery(h, `SELECT rolcanlogin, rolcreatedb, rolinherit, rolconnlimit, rolvaliduntil AT TIME ZONE 'UTC', rolpassword IS NULL, shobj_description(oid, 'pg_authid'),
    (SELECT string_agg(pg_get_userbyid(roleid), ',' ORDER BY pg_get_userbyid(roleid)) FROM pg_auth_members WHERE member = a.oid) FROM pg_authid a WHERE rolname = '${name}'`);

// dante joins readers, declared after it; lost joins a role that is nowhere; nosecret's Secret is missing.
const ROLES = (dante: string, extra: string): string => `managed:
  roles:
  - name: dante
    comment: my database-side comment
    login: true
    createdb: true
    inherit: false
    connectionLimit: 4
    validUntil: "2053-04-12T15:04:05Z"
    inRoles: [pg_monitor, readers]
    passwordSecret: {name: t1-dante}
${dante}
  - name: readers
  - name: nopw
    login: true
    disablePassword: true
  - name: lost
    inRoles: [ghost]
  - name: nosecret
    login: true
    passwordSecret: {name: t1-nosecret}
${extra}`;

before(async () => {
  installSecret(secretsDir, 't1-dante', { username: 'dante', password: passwords[0] });
  h = await startManager({ dir, manifestText: manifest('t1', ROLES('', '  - name: owner\n    login: true')) });
  await h.waitForLine((l) => l.msg === 'instance ready', 90_000, 'instance ready');
});

afterAll(async () => {
  await h?.stop();
  killLeftovers(dir);
  rmSync(dir, { recursive: true, force: true });
});

test('declared roles are created with their attributes, comment, memberships and password; bad ones are reported', async () => {
  const s = await waitStatus('the roles reconciled', (x) => (x.byStatus?.reconciled ?? []).includes('dante') && x.cannotReconcile?.nosecret !== undefined);
  assert.deepEqual(s.byStatus?.reconciled, ['dante', 'nopw', 'owner', 'readers']);
  assert.deepEqual(s.byStatus?.['pending-reconciliation'], ['lost', 'nosecret']);
  assert.deepEqual(s.byStatus?.reserved, ['cnpg_metrics_exporter', 'postgres', 'streaming_replica']);
  assert.ok(s.byStatus?.['not-managed']?.includes('app'), 'the owner is not managed here');
  assert.deepEqual(s.cannotReconcile, {
    lost: ['inRoles: role "ghost" does not exist and is not declared in spec.managed.roles'],
    nosecret: ['while reading the password secret t1-nosecret: password secret t1-nosecret does not exist'],
  });
  assert.ok((s.passwordStatus?.dante?.transactionID ?? 0) > 0 && s.passwordStatus?.dante?.resourceVersion !== '');
  assert.equal(await roleRow('dante'), 't|t|f|4|2053-04-12 15:04:05|f|my database-side comment|pg_monitor,readers');
  assert.equal(await roleRow('nopw'), 't|f|t|-1||t||');
  assert.equal(await superuserQuery(h, "SELECT count(*) FROM pg_roles WHERE rolname IN ('lost', 'nosecret')"), '0');
  assert.equal(await login('dante', passwords[0]), 0);
  assert.ok(h.lines.some((l) => l.msg === 'some managed roles cannot be reconciled; the others are' && l.level === 'warning'));
});

test('a new password in the Secret is applied; the old one no longer works', async () => {
  const before = rolesStatus().passwordStatus?.dante?.resourceVersion;
  installSecret(secretsDir, 't1-dante', { username: 'dante', password: passwords[1] });
  await waitStatus('the new Secret version applied', (x) => x.passwordStatus?.dante?.resourceVersion !== before);
  assert.equal(await login('dante', passwords[1]), 0);
  assert.notEqual(await login('dante', passwords[0]), 0);
});

test('ALTER, REVOKE and DROP follow the manifest, a role changed by hand is brought back, a failed DROP is reported', async () => {
  await superuserQuery(h, 'CREATE TABLE owned (id int); ALTER TABLE owned OWNER TO owner');
  // By hand: nopw gets a password and loses LOGIN; the next round takes both back.
  await superuserQuery(h, "ALTER ROLE nopw NOLOGIN PASSWORD 'by-hand'");
  installSecret(secretsDir, 't1-nosecret', { username: 'nosecret', password: passwords[2] });
  const dante = '    createdb: false\n';
  const text = manifest('t1', ROLES(dante, '  - name: owner\n    ensure: absent'))
    .replace(/^ *createdb: true\n/m, '')
    .replace('inRoles: [pg_monitor, readers]', 'inRoles: [readers]');
  writeFileAtomicForTest(h.manifestPath, text);
  const s = await waitStatus('the new manifest reconciled', (x) => (x.byStatus?.reconciled ?? []).includes('nosecret') && x.cannotReconcile?.owner !== undefined);
  assert.equal(await roleRow('dante'), 't|f|f|4|2053-04-12 15:04:05|f|my database-side comment|readers');
  assert.equal(await roleRow('nopw'), 't|f|t|-1||t||');
  assert.equal(await login('nosecret', passwords[2]), 0);
  assert.match(s.cannotReconcile?.owner?.[0] ?? '', /^could not perform DROP on role owner: role "owner" cannot be dropped because some objects depend on it \(owner of table owned\) \[SQLSTATE 2BP01\]$/);
  assert.deepEqual(Object.keys(s.cannotReconcile ?? {}).sort(), ['lost', 'owner'], 'nosecret left cannotReconcile');
  // The owner gives up its table: the DROP goes through at the next round (any new Cluster version starts one).
  await superuserQuery(h, 'DROP TABLE owned');
  writeFileAtomicForTest(h.manifestPath, `${text}  description: again\n`);
  await waitStatus('owner dropped', (x) => x.cannotReconcile?.owner === undefined && (x.byStatus?.reconciled ?? []).includes('owner'));
  assert.equal(await superuserQuery(h, "SELECT count(*) FROM pg_roles WHERE rolname = 'owner'"), '0');
});

test('no password reaches the log or the status, and the instance kept running', async () => {
  assert.equal(await superuserQuery(h, 'SELECT 1'), '1');
  const status = readFileSync(join(h.stateDir, 'status.json'), 'utf8');
  for (const p of passwords) assert.ok(!status.includes(p));
  assert.equal((await h.stop()).code, 0);
  assert.deepEqual(findSecrets(h.lines, h.stderr(), [...passwords]), []);
  const pgLog = h.lines.filter((l) => l.logger === 'postgres').map((l) => JSON.stringify(l)).join('\n');
  assert.ok(!pgLog.includes('SCRAM-SHA-256$'), 'no verifier in the postgres log');
});
