// Live configuration changes through the manifest: reloadable parameters and pg_hba reload without a
// restart, restart-only parameters are reported as pending, and a blocked parameter is refused untouched.
import { after as afterAll, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { manifest, ownerConnection, startManager, tempDir, type ManagerHandle } from '../helpers/manager.js';
import { after, customConfSha, diffSnapshots, killLeftovers, snapshotTree, superuserQuery, waitUntil, writeFileAtomicForTest } from '../helpers/config-tree.js';

const HBA_USER_LINE = 'hostssl app app 127.0.0.1/32 scram-sha-256';

function clusterYaml(parameters: Record<string, string>, hba: string[] = []): string {
  const spec = ['postgresql:', '  parameters:', ...Object.entries(parameters).map(([k, v]) => `    ${k}: "${v}"`)];
  if (hba.length) spec.push('  pg_hba:', ...hba.map((l) => `    - ${l}`));
  return manifest('t1', spec.join('\n'));
}

async function ownerQuery<T extends pg.QueryResultRow>(h: ManagerHandle, sql: string, database?: string): Promise<T[]> {
  const client = new pg.Client({ ...ownerConnection(h), ...(database ? { database } : {}) });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

let h: ManagerHandle;
const dir = tempDir('pgim-cfgreload-');
const BASE = { work_mem: '4MB' };

before(async () => {
  h = await startManager({ dir, manifestText: clusterYaml(BASE, [HBA_USER_LINE]) });
  await h.waitForLine((l) => l.msg === 'instance ready', 60_000, 'instance ready');
});

afterAll(async () => {
  await h?.stop();
  killLeftovers(dir);
  rmSync(dir, { recursive: true, force: true });
});

const pgData = (): string => join(h.stateDir, 'pgdata');
type Identity = { pid: number; start: string };
let identity: Identity;

test('a reloadable parameter is reloaded within ~2 s, without restarting postgres', async () => {
  const [before] = await ownerQuery<{ work_mem: string; start: string }>(h, "SELECT current_setting('work_mem') AS work_mem, pg_postmaster_start_time()::text AS start");
  assert.equal(before?.work_mem, '4MB');
  const pmPid = Number(readFileSync(join(pgData(), 'postmaster.pid'), 'utf8').split('\n')[0]);
  identity = { pid: pmPid, start: before?.start ?? '' };

  const reloaded = after(h, (l) => l.msg === 'configuration reloaded');
  const t0 = Date.now();
  writeFileAtomicForTest(h.manifestPath, clusterYaml({ work_mem: '8MB' }, [HBA_USER_LINE]));
  await h.waitForLine(reloaded, 2_500, '"configuration reloaded" after a work_mem change');
  assert.ok(Date.now() - t0 < 2_500);

  const [row] = await ownerQuery<{ work_mem: string; sha: string; start: string }>(
    h,
    "SELECT current_setting('work_mem') AS work_mem, current_setting('cnpg.config_sha256') AS sha, pg_postmaster_start_time()::text AS start",
  );
  const show = await ownerQuery<{ work_mem: string }>(h, 'SHOW work_mem');
  assert.equal(show[0]?.work_mem, '8MB');
  assert.equal(row?.work_mem, '8MB');
  assert.equal(row?.sha, customConfSha(pgData()));
  assert.equal(row?.start, identity.start, 'postgres was not restarted');
  assert.equal(Number(readFileSync(join(pgData(), 'postmaster.pid'), 'utf8').split('\n')[0]), identity.pid);
});

test('adding a pg_hba line reloads it (pg_hba_file_rules, and the rule is enforced)', async () => {
  // Before: the owner may connect to the postgres database.
  await ownerQuery(h, 'SELECT 1', 'postgres');
  const reloaded = after(h, (l) => l.msg === 'configuration reloaded');
  const rejectLine = 'hostssl postgres app 127.0.0.1/32 reject';
  writeFileAtomicForTest(h.manifestPath, clusterYaml({ work_mem: '8MB' }, [rejectLine, HBA_USER_LINE]));
  await h.waitForLine(reloaded, 2_500, '"configuration reloaded" after a pg_hba change');

  const rules = await superuserQuery(h, "SELECT line_number, database[1], user_name[1], auth_method, coalesce(error, '') FROM pg_hba_file_rules WHERE auth_method = 'reject'");
  assert.match(rules, /^\d+\|postgres\|app\|reject\|$/m);
  await assert.rejects(ownerQuery(h, 'SELECT 1', 'postgres'), (err: Error & { code?: string }) => {
    assert.equal(err.code, '28000', err.message);
    return true;
  });
  // The application database is still reachable, and postgres was not restarted.
  const [row] = await ownerQuery<{ start: string }>(h, 'SELECT pg_postmaster_start_time()::text AS start');
  assert.equal(row?.start, identity.start);
});

test('a restart-only parameter is reported as pending restart', async () => {
  const pending = after(h, (l) => typeof l.msg === 'string' && l.msg.startsWith('some settings need a postgres restart'));
  writeFileAtomicForTest(h.manifestPath, clusterYaml({ work_mem: '8MB', shared_buffers: '64MB' }, [HBA_USER_LINE]));
  const line = await h.waitForLine(pending, 5_000, 'the pending-restart warning');
  assert.equal(line.level, 'warning');
  assert.deepEqual(line.settings, ['shared_buffers']);
  const statusFile = join(h.stateDir, 'status.json');
  const status = await waitUntil(
    () => {
      const s = JSON.parse(readFileSync(statusFile, 'utf8')) as { phase?: string; phaseReason?: string };
      return s.phase === 'Applying configuration' ? s : undefined;
    },
    5_000,
    'status phase "Applying configuration"',
  );
  assert.match(status.phaseReason ?? '', /shared_buffers/);
  const [row] = await ownerQuery<{ sb: string; start: string }>(h, "SELECT current_setting('shared_buffers') AS sb, pg_postmaster_start_time()::text AS start");
  assert.equal(row?.sb, '128MB', 'the old value stays in force until a restart');
  assert.equal(row?.start, identity.start);
});

test('a blocked parameter written while running is refused and no managed file changes', async () => {
  const pgDataIgnore = ['base/', 'global/', 'pg_wal/', 'pg_stat/', 'pg_stat_tmp/', 'pg_xact/', 'pg_logical/', 'pg_subtrans/', 'pg_multixact/', 'pg_notify/', 'pg_commit_ts/', 'pg_replslot/', 'pg_snapshots/', 'pg_serial/', 'pg_twophase/', 'pg_dynshmem/', 'pg_tblspc/'];
  const controller = join(h.stateDir, 'controller');
  const beforePg = snapshotTree(pgData(), { ignore: pgDataIgnore });
  const beforeCtl = snapshotTree(controller, { ignore: ['log/', 'run/'] });
  const beforeRun = [...snapshotTree(join(controller, 'run'), { mtimes: false }).keys()];
  assert.ok(beforePg.has('custom.conf') && beforePg.has('pg_hba.conf'));

  const refused = after(h, (l) => l.level === 'error' && JSON.stringify(l).includes('spec.postgresql.parameters.listen_addresses'));
  const anyReload = after(h, (l) => l.msg === 'Installed configuration file' || l.msg === 'configuration reloaded');
  writeFileAtomicForTest(h.manifestPath, clusterYaml({ work_mem: '16MB', shared_buffers: '64MB', listen_addresses: '*' }, [HBA_USER_LINE]));
  const line = await h.waitForLine(refused, 5_000, 'an error naming spec.postgresql.parameters.listen_addresses');
  assert.match(JSON.stringify(line), /blocked parameter/);

  assert.deepEqual(diffSnapshots(beforePg, snapshotTree(pgData(), { ignore: pgDataIgnore })), []);
  assert.deepEqual(diffSnapshots(beforeCtl, snapshotTree(controller, { ignore: ['log/', 'run/'] })), []);
  assert.deepEqual([...snapshotTree(join(controller, 'run'), { mtimes: false }).keys()], beforeRun);
  assert.equal(h.lines.find(anyReload), undefined, 'no file installed, no reload');
  const show = await ownerQuery<{ work_mem: string }>(h, 'SHOW work_mem');
  assert.equal(show[0]?.work_mem, '8MB', 'the previous configuration stays in force');
  assert.equal(h.proc.exitCode, null, 'the manager keeps running');
});
