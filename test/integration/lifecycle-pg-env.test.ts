// libpq's PG* variables in the manager's environment (PGSSLMODE=prefer is libpq's default and often exported)
// must not reach its own connections over the Unix socket, nor postgres and the tools it spawns: the manager
// bootstraps, reaches "instance ready", serves the owner over TLS, answers /readyz and /metrics.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { secretValue, startManager, tempDir, type ManagerHandle } from '../helpers/manager.js';
import { cleanupDir } from '../helpers/lifecycle-procs.js';
import { ownerQuery } from '../helpers/lifecycle-writer.js';
import { superuserQuery } from '../helpers/config-tree.js';
import { statusRequest } from '../helpers/status-client.js';
import { scrape } from '../helpers/metrics-scrape.js';

// Each value would break an internal connection that read it: TLS on a Unix socket, another host, user or
// database, a read-only session (bootstrap SQL fails), a logical replication session (no extended protocol).
const HOSTILE_ENV: Record<string, string> = {
  PGSSLMODE: 'verify-full',
  PGSSLROOTCERT: '/nonexistent/root.crt',
  PGSSLNEGOTIATION: 'direct',
  PGHOST: 'db.example.invalid',
  PGHOSTADDR: '192.0.2.1',
  PGUSER: 'nobody',
  PGDATABASE: 'nowhere',
  PGPASSWORD: 'not-the-password',
  PGPASSFILE: '/nonexistent/pgpass',
  PGAPPNAME: 'intruder',
  PGOPTIONS: '-c default_transaction_read_only=on',
  PGREPLICATION: 'database',
  PGCLIENT_ENCODING: 'LATIN1',
  PGCLIENTENCODING: 'LATIN1',
  PGCONNECT_TIMEOUT: '1',
};

// Resolves at "instance ready"; rejects with the manager's last lines if it exits first.
async function ready(h: ManagerHandle): Promise<void> {
  const exited = h.exited.then((e) => {
    const last = h.lines.slice(-5).map((l) => JSON.stringify(l)).join('\n');
    throw new Error(`manager exited (${JSON.stringify(e)}) before "instance ready":\n${last}\n${h.stderr().slice(-500)}`);
  });
  await Promise.race([h.waitForLine((l) => l.msg === 'instance ready', 90_000, 'instance ready'), exited]);
}

// The environment of a running process, from /proc/<pid>/environ.
function environOf(pid: number): Map<string, string> {
  const entries = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter((e) => e !== '');
  return new Map(entries.map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
}

async function checkServes(h: ManagerHandle): Promise<void> {
  const tls = await ownerQuery<{ ssl: boolean }>(h, 'SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
  assert.deepEqual(tls.rows, [{ ssl: true }]);
  const ca = secretValue(h.stateDir, 't1-ca', 'ca.crt');
  const readyz = await statusRequest({ port: h.statusPort, path: '/readyz', ca });
  assert.equal(readyz.status, 200, readyz.body);
  const metrics = await scrape(h.metricsPort);
  assert.match(metrics.body, /^cnpg_collector_up\{[^}]*\} 1$/m, metrics.body.slice(0, 2000));
}

describe('lifecycle: PG* variables in the environment', { skip: process.getuid?.() !== 0 && 'needs root (postgres runs as the postgres user)' }, () => {
  const dirs: string[] = [];
  const handles: ManagerHandle[] = [];
  after(async () => {
    for (const h of handles) await h.stop(10_000);
    for (const d of dirs) await cleanupDir(d);
  });

  for (const mode of ['prefer', 'require']) {
    test(`PGSSLMODE=${mode}: bootstraps, reaches instance ready and serves`, async () => {
      const dir = tempDir('pgim-pgenv-');
      dirs.push(dir);
      const h = await startManager({ dir, env: { PGSSLMODE: mode } });
      handles.push(h);
      await ready(h);
      await checkServes(h);
    });
  }

  test('PGSSLMODE=verify-full with PGHOST, PGUSER, PGDATABASE, PGOPTIONS elsewhere: ignored by the manager and postgres', async () => {
    const dir = tempDir('pgim-pgenv-');
    dirs.push(dir);
    const h = await startManager({ dir, env: HOSTILE_ENV });
    handles.push(h);
    await ready(h);
    await checkServes(h);
    // The manager's own sessions carry its application names, not PGAPPNAME, and are read-write sessions.
    const names = await superuserQuery(h, "SELECT DISTINCT application_name FROM pg_stat_activity WHERE application_name LIKE 'pg-instance-manager%' OR application_name = 'intruder' ORDER BY 1");
    assert.ok(names.split('\n').every((n) => n.startsWith('pg-instance-manager')), names);
    // postgres (whose libpq, in walreceiver, dblink or postgres_fdw, would read them) gets no PG* variable.
    const postmasterPid = Number(readFileSync(join(h.stateDir, 'pgdata', 'postmaster.pid'), 'utf8').split('\n')[0]);
    const leaked = [...environOf(postmasterPid).keys()].filter((k) => /^PG[A-Z]/.test(k));
    assert.deepEqual(leaked, []);
    assert.equal(await superuserQuery(h, 'SHOW client_encoding'), 'UTF8');
  });
});
