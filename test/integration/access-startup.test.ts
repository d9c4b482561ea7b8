// Refusals at start: an OS user without a passwd entry (CNPG would map every OS user instead), and an
// expired server certificate. One clear stderr line, a non-zero exit, and no postgres started.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { chownSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MAIN_JS, freePort, manifest, processesMentioning, tempDir } from '../helpers/manager.js';
import { runManagerToExit } from '../helpers/config-cli.js';
import { killLeftovers } from '../helpers/config-tree.js';
import { run } from '../helpers/access-clients.js';
import { installClusterSecrets, makeTls, trickyPassword } from '../helpers/access-secrets.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) {
    killLeftovers(d);
    rmSync(d, { recursive: true, force: true });
  }
});

const NO_PASSWD_UID = '54321';

test('a uid without a passwd entry is refused before initdb (no insecure pg_ident fallback)', { skip: process.getuid?.() !== 0 && 'needs root to switch uid' }, async () => {
  const dir = tempDir('pgim-access-uid-');
  dirs.push(dir);
  writeFileSync(join(dir, 'cluster.yaml'), manifest('t1'));
  chownSync(dir, Number(NO_PASSWD_UID), Number(NO_PASSWD_UID));
  const args = ['instance', 'run', '--cluster-manifest', join(dir, 'cluster.yaml'), '--state-dir', join(dir, 'state'), '--port', String(await freePort()), '--status-port', String(await freePort())];
  const r = await run('setpriv', ['--reuid', NO_PASSWD_UID, '--regid', NO_PASSWD_UID, '--clear-groups', process.execPath, MAIN_JS, ...args], { HOME: dir, PGDATA: '' });
  assert.notEqual(r.code, 0, r.stdout);
  assert.match(r.stderr, new RegExp(`cannot resolve the name of uid ${NO_PASSWD_UID}.*insecure pg_ident`));
  assert.equal(existsSync(join(dir, 'state', 'pgdata', 'PG_VERSION')), false, 'initdb did not run');
  assert.equal(existsSync(join(dir, 'state', 'pgdata', 'pg_ident.conf')), false);
  assert.deepEqual(processesMentioning(dir).filter((p) => p !== process.pid), []);
});

test('an expired server certificate at start: one line naming the Secret, no postgres started', async () => {
  const dir = tempDir('pgim-access-exp-');
  dirs.push(dir);
  const tls = await makeTls('t1', { expiredServer: true });
  installClusterSecrets(join(dir, 'state', 'secrets'), 't1', tls, trickyPassword());
  writeFileSync(join(dir, 'cluster.yaml'), manifest('t1'));
  const ports = ['--port', String(await freePort()), '--status-port', String(await freePort())];
  const r = await runManagerToExit(['instance', 'run', '--cluster-manifest', join(dir, 'cluster.yaml'), '--state-dir', join(dir, 'state'), ...ports], dir, 60_000);
  assert.notEqual(r.code, 0);
  assert.equal(r.stderrLines.length, 1, r.stderr);
  assert.match(r.stderrLines[0] ?? '', /tls\.crt in Secret t1-server expired on \d{4}-/);
  assert.equal(existsSync(join(dir, 'state', 'controller', 'certificates', 'server.crt')), false, 'no certificate file written');
  assert.equal(existsSync(join(dir, 'state', 'pgdata', 'postmaster.pid')), false, 'postgres never started');
  assert.deepEqual(processesMentioning(dir).filter((p) => p !== process.pid), []);
});
