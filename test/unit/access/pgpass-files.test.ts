import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { controllerPaths } from '../../../src/config/constants.js';
import { ManagerError, ManifestError } from '../../../src/errors.js';
import { applyPassfiles, planPassfiles } from '../../../src/reconcile/pgpass-files.js';
import { cluster, secretSource } from './fakes.js';

const PW = 'a:b\\c';
const ESCAPED = 'a\\:b\\\\c';

function setup(): { controller: ReturnType<typeof controllerPaths> } {
  return { controller: controllerPaths(mkdtempSync(join(tmpdir(), 'pgpass-'))) };
}

test('owner file: one escaped line per local host, 0600 in a 0700 folder; no superuser file while access is off', async () => {
  const { controller } = setup();
  const source = secretSource({ 't1-app': { username: 'app', password: PW }, 't1-superuser': { username: 'postgres', password: 'su' } });
  const result = await applyPassfiles(await planPassfiles({ cluster: cluster(), source, controller, port: 5433 }));
  const dir = join(controller.root, 'pgpass');
  const owner = join(dir, 'owner.pgpass');
  assert.deepEqual(result.changed, [owner]);
  assert.equal(statSync(dir).mode & 0o777, 0o700);
  assert.equal(statSync(owner).mode & 0o777, 0o600);
  const run = controller.run.replaceAll(':', '\\:');
  assert.equal(
    readFileSync(owner, 'utf8'),
    [`${run}:5433:app:app:${ESCAPED}`, `localhost:5433:app:app:${ESCAPED}`, `127.0.0.1:5433:app:app:${ESCAPED}`, `\\:\\:1:5433:app:app:${ESCAPED}`, `t1-rw:5433:app:app:${ESCAPED}`, ''].join('\n'),
  );
  assert.equal(existsSync(join(dir, 'superuser.pgpass')), false);
  // Unchanged content: nothing rewritten.
  assert.deepEqual((await applyPassfiles(await planPassfiles({ cluster: cluster(), source, controller, port: 5433 }))).changed, []);
});

test('superuser file exists only while enableSuperuserAccess is true, and is removed when turned off', async () => {
  const { controller } = setup();
  const source = secretSource({ 't1-app': { username: 'app', password: 'x' }, 't1-superuser': { username: 'postgres', password: 'su:pw' } });
  const on = await applyPassfiles(await planPassfiles({ cluster: cluster('enableSuperuserAccess: true'), source, controller, port: 5432 }));
  const file = join(controller.root, 'pgpass', 'superuser.pgpass');
  assert.ok(on.changed.includes(file));
  assert.match(readFileSync(file, 'utf8'), /^localhost:5432:\*:postgres:su\\:pw$/m);
  const off = await applyPassfiles(await planPassfiles({ cluster: cluster('enableSuperuserAccess: false'), source, controller, port: 5432 }));
  assert.deepEqual(off.removed, [file]);
  assert.equal(existsSync(file), false);
});

test('a pre-hashed or passed-through password gives no owner file (there is no cleartext to write)', async () => {
  const { controller } = setup();
  const stale = join(controller.root, 'pgpass', 'owner.pgpass');
  mkdirSync(join(controller.root, 'pgpass'), { recursive: true });
  writeFileSync(stale, 'old');
  const hashed = secretSource({ 't1-app': { username: 'app', password: 'md5' + '0'.repeat(32) } });
  const r = await applyPassfiles(await planPassfiles({ cluster: cluster(), source: hashed, controller, port: 5432 }));
  assert.deepEqual(r.removed, [stale]);
  const passthrough = secretSource({ 't1-app': { username: 'app', password: 'plain' } }, { 't1-app': { 'cnpg.io/passwordPassthrough': 'enabled' } });
  const plan = await planPassfiles({ cluster: cluster(), source: passthrough, controller, port: 5432 });
  assert.equal(plan.files.some((f) => f.path.endsWith('owner.pgpass')), false);
});

test('a wrong username or a line break is refused while planning, naming the Secret, not the password', async () => {
  const { controller } = setup();
  const wrong = secretSource({ 't1-app': { username: 'mallory', password: 'hunter2' } });
  await assert.rejects(planPassfiles({ cluster: cluster(), source: wrong, controller, port: 5432 }), (err: Error) => {
    assert.ok(err instanceof ManagerError);
    assert.match(err.message, /wrong username 'mallory' in secret t1-app, expected 'app'/);
    assert.doesNotMatch(err.message, /hunter2/);
    return true;
  });
  const broken = secretSource({ 't1-app': { username: 'app', password: 'hunter2\nsecond' } });
  await assert.rejects(planPassfiles({ cluster: cluster(), source: broken, controller, port: 5432 }), (err: Error) => !err.message.includes('hunter2'));
  assert.equal(existsSync(join(controller.root, 'pgpass')), false, 'planning writes nothing');
});

test('external clusters: one line, no trailing newline, dbname *, ssl keys as <secret>_<key>', async () => {
  const { controller } = setup();
  const spec = [
    'externalClusters:',
    '  - name: origin',
    '    connectionParameters:',
    '      host: "db:1"',
    '      user: repl',
    '      dbname: app',
    '    password:',
    '      name: origin-pw',
    '      key: password',
    '    sslRootCert:',
    '      name: origin-ca',
    '      key: ca.crt',
    '  - name: bare',
  ].join('\n');
  const source = secretSource({ 't1-app': { username: 'app', password: 'x' }, 'origin-pw': { password: 'p\\w:d' }, 'origin-ca': { 'ca.crt': 'CA' } });
  await applyPassfiles(await planPassfiles({ cluster: cluster(spec), source, controller, port: 5432 }));
  const dir = join(controller.external, 'origin');
  assert.equal(readFileSync(join(dir, 'pgpass'), 'utf8'), 'db\\:1:*:*:repl:p\\\\w\\:d');
  assert.equal(readFileSync(join(dir, 'origin-ca_ca.crt'), 'utf8'), 'CA');
  for (const d of [controller.external, dir, join(controller.external, 'bare')]) assert.equal(statSync(d).mode & 0o777, 0o700, d);
  assert.equal(statSync(join(dir, 'pgpass')).mode & 0o777, 0o600);
  assert.equal(existsSync(join(controller.external, 'bare', 'pgpass')), false);
});

test('external clusters: the path-component guard and missing keys name the field, nothing is written', async () => {
  const source = secretSource({ 't1-app': { username: 'app', password: 'x' }, s: { password: 'p' } });
  const cases: [string, string][] = [
    ['externalClusters:\n  - name: ".."', 'spec.externalClusters[0].name'],
    ['externalClusters:\n  - name: "."', 'spec.externalClusters[0].name'],
    ['externalClusters:\n  - name: a\\b', 'spec.externalClusters[0].name'],
    ['externalClusters:\n  - name: ok\n  - name: x\n    password:\n      name: ../s\n      key: password', 'spec.externalClusters[1].password.name'],
    ['externalClusters:\n  - name: x\n    sslKey:\n      name: s\n      key: a/b', 'spec.externalClusters[0].sslKey.key'],
  ];
  for (const [spec, path] of cases) {
    const { controller } = setup();
    await assert.rejects(planPassfiles({ cluster: cluster(spec), source, controller, port: 5432 }), (err: Error) => err instanceof ManifestError && err.path === path, path);
    assert.equal(existsSync(controller.external), false);
  }
  const { controller } = setup();
  const proto = 'externalClusters:\n  - name: x\n    password:\n      name: s\n      key: constructor';
  await assert.rejects(planPassfiles({ cluster: cluster(proto), source, controller, port: 5432 }), /missing key constructor inside Secret s/);
});
