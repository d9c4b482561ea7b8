#!/usr/bin/env node
// Backup and restore of the same database, same run, same store: the manager's `backup NAME` (request until the
// Backup is `completed`: archiving check, barman-cloud-backup, backup-show) against bare barman-cloud-backup with
// the same options; the manager's `instance restore` (empty-archive check, catalog, barman-cloud-restore, recovery
// to targetImmediate, promotion, stop) against bare barman-cloud-restore + the same recovery by hand (pg_ctl).
// Target: each ≤ 1.10x. Run as root from a built checkout: node scripts/bench/backup/backup-restore.mjs
// (SCALE=16 pgbench scale, ~250 MB; RUNS=2 runs, which side goes first alternated for both backup and restore,
// each backup started with the archiving backlog drained; the medians of each side and of the run-by-run
// ratios, with min-max; the load average at start and end)
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const ROOT = new URL('../../../', import.meta.url).pathname;
const MAIN = join(ROOT, 'dist/bundle/main.js');
const PG_BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';
const SCALE = Number(process.env.SCALE ?? 16);
const RUNS = Number(process.env.RUNS ?? 2);
const dir = mkdtempSync(join(tmpdir(), 'pgim-bench-backup-'));
chmodSync(dir, 0o755);
const children = [];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const freePort = () => new Promise((resolve) => { const s = createServer(); s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); }); });
const up = (port) => new Promise((resolve) => { const c = connect(port, '127.0.0.1', () => (c.destroy(), resolve(true))); c.on('error', () => resolve(false)); });
async function until(fn, ms, what) { const end = Date.now() + ms; for (;;) { const v = await fn(); if (v) return v; if (Date.now() > end) throw new Error(`timed out: ${what}`); await sleep(20); } }
const seconds = (t0) => Number(process.hrtime.bigint() - t0) / 1e9;
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
const stats = (xs, d = 2) => `${median(xs).toFixed(d)} (${Math.min(...xs).toFixed(d)}-${Math.max(...xs).toFixed(d)})`;
const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');
const loadAtStart = load();
console.log(`# backup and restore against bare barman-cloud, ${new Date().toISOString()}, load average ${loadAtStart}, SCALE=${SCALE} RUNS=${RUNS}`);
const asPostgres = (file, args, env) => execFileSync('runuser', ['-u', 'postgres', '--', file, ...args], { env, stdio: ['ignore', 'ignore', 'inherit'] });

const s3port = await freePort();
const endpoint = `http://127.0.0.1:${s3port}`;
const awsEnv = { ...process.env, AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_DEFAULT_REGION: 'us-east-1' };
const storeYaml = (path, server) => ['    barmanObjectStore:', `      destinationPath: s3://backups/${path}`, `      endpointURL: ${endpoint}`, `      serverName: ${server}`,
  '      s3Credentials:', '        accessKeyId: { name: s3-creds, key: ID }', '        secretAccessKey: { name: s3-creds, key: KEY }',
  '      wal:', '        compression: gzip', '      data:', '        compression: gzip', '        immediateCheckpoint: true'];
function stateWithCreds(name) {
  const state = join(dir, name);
  mkdirSync(join(state, 'secrets', 's3-creds'), { recursive: true, mode: 0o755 });
  writeFileSync(join(state, 'secrets', 's3-creds', 'ID'), 'S3RVER', { mode: 0o644 });
  writeFileSync(join(state, 'secrets', 's3-creds', 'KEY'), 'S3RVER', { mode: 0o644 });
  execFileSync('chown', ['-R', 'postgres:postgres', state]);
  return state;
}

try {
  const s3dir = join(dir, 's3');
  mkdirSync(s3dir);
  children.push(spawn(process.execPath, [join(ROOT, 'node_modules/s3rver/bin/s3rver.js'), '-d', s3dir, '-a', '127.0.0.1', '-p', String(s3port), '--configure-bucket', 'backups', '--silent'], { stdio: 'ignore' }));
  await until(() => up(s3port), 20_000, 's3rver');
  const state = stateWithCreds('state');
  const manifest = join(dir, 'cluster.yaml');
  writeFileSync(manifest, ['apiVersion: postgresql.cnpg.io/v1', 'kind: Cluster', 'metadata:', '  name: bench', 'spec:', '  instances: 1', '  backup:', ...storeYaml('db', 'bench'), ''].join('\n'));
  const port = await freePort();
  const mgr = spawn(process.execPath, [MAIN, 'instance', 'run', '--cluster-manifest', manifest, '--state-dir', state, '--port', String(port), '--status-port', String(await freePort()), '--metrics-port', String(await freePort())], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, PGDATA: '' } });
  children.push(mgr);
  let socketDir;
  const mgrLines = [];
  createInterface({ input: mgr.stdout }).on('line', (l) => { try { const j = JSON.parse(l); mgrLines.push(j); if (j.msg === 'instance ready') socketDir = j.socketDir; } catch { /* not JSON */ } });
  // The manager's own account of a backup: request -> barman-cloud-backup started -> completed (its log, ms).
  const phases = (name) => {
    const at = (msg) => Date.parse(mgrLines.find((j) => j.msg === msg && j.backup === name)?.ts ?? '');
    return { barmanStartToCompletedMs: at('backup completed') - at('backup starting') };
  };
  await until(() => socketDir, 90_000, 'instance ready');
  asPostgres(join(PG_BIN, 'pgbench'), ['-q', '-i', '-s', String(SCALE), '-h', socketDir, '-p', String(port), 'postgres']);
  const managerBackup = [];
  const bareBackup = [];
  const psql = (q) => execFileSync('runuser', ['-u', 'postgres', '--', join(PG_BIN, 'psql'), '-X', '-qAt', '-h', socketDir, '-p', String(port), '-d', 'postgres', '-c', q], { stdio: 'ignore' });
  // Each backup starts with no WAL waiting for the archiver: barman's pg_backup_stop waits until the backup's last
  // segment is archived, so a backlog (pgbench -i's WAL, the other side's backup) would be paid by whoever goes next.
  const drained = async () => {
    psql('CHECKPOINT');
    const status = join(state, 'pgdata', 'pg_wal', 'archive_status');
    await until(() => !readdirSync(status).some((f) => f.endsWith('.ready')), 600_000, 'the archiving backlog drained');
  };
  const viaManager = async (i) => {
    await drained();
    const t0 = process.hrtime.bigint();
    execFileSync(process.execPath, [MAIN, 'backup', `m${i}`, '--state-dir', state], { stdio: 'ignore' });
    await until(() => { try { return JSON.parse(readFileSync(join(state, 'backups', `m${i}.json`), 'utf8')).status?.phase === 'completed'; } catch { return false; } }, 1_800_000, `backup m${i}`);
    managerBackup.push(seconds(t0));
    console.log(`backup m${i}: ${managerBackup.at(-1).toFixed(1)} s, of which barman-cloud-backup + backup-show ${(phases(`m${i}`).barmanStartToCompletedMs / 1000).toFixed(1)} s`);
    // The catalog upkeep after the backup (list, retention) finishes before anything else is timed.
    await sleep(5000);
  };
  const bareRun = async (i) => {
    await drained();
    const t0 = process.hrtime.bigint();
    asPostgres('/usr/bin/barman-cloud-backup', ['--user', 'postgres', '--name', `bare-${i}`, '--gzip', '--immediate-checkpoint', '--host', socketDir, '--port', String(port), '--endpoint-url', endpoint, '--cloud-provider', 'aws-s3', 's3://backups/db', 'bench'], awsEnv);
    bareBackup.push(seconds(t0));
  };
  // Alternating which goes first, each after a CHECKPOINT, so neither pays for the other's dirty buffers.
  for (let i = 0; i < RUNS; i++) {
    if (i % 2 === 0) { await viaManager(i); await bareRun(i); } else { await bareRun(i); await viaManager(i); }
  }
  // The restores need the WAL up to each backup's end: archive_timeout is not waited for.
  psql('SELECT pg_switch_wal()');
  await sleep(5000);
  const managerRestore = [];
  const bareRestore = [];
  const backupId = JSON.parse(readFileSync(join(state, 'backups', `m${RUNS - 1}.json`), 'utf8')).status.backupId;
  const managerBeforeRestore = [];
  const restoreViaManager = async (i) => {
    const rstate = stateWithCreds(`restore-${i}`);
    const rmanifest = join(dir, `restore-${i}.yaml`);
    writeFileSync(rmanifest, ['apiVersion: postgresql.cnpg.io/v1', 'kind: Cluster', 'metadata:', '  name: bench', 'spec:', '  instances: 1',
      '  bootstrap:', '    recovery:', '      source: origin', '      recoveryTarget:', `        backupID: "${backupId}"`, '        targetImmediate: true',
      '  externalClusters:', '    - name: origin', ...storeYaml('db', 'bench').slice(1).map((l) => `  ${l}`).map((l, j) => (j === 0 ? `      barmanObjectStore:\n${l}` : l)),
      '  backup:', ...storeYaml('restored', `r${i}`), ''].join('\n'));
    const wall0 = Date.now();
    const t0 = process.hrtime.bigint();
    const log = execFileSync(process.execPath, [MAIN, 'instance', 'restore', '--cluster-manifest', rmanifest, '--state-dir', rstate, '--port', String(await freePort())], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, PGDATA: '' } });
    managerRestore.push(seconds(t0));
    // The part before barman-cloud-restore starts: Node, the empty-archive check and the catalog listing.
    const line = log.split('\n').find((l) => l.includes('"msg":"restoring backup"'));
    if (line) managerBeforeRestore.push((Date.parse(JSON.parse(line).ts) - wall0) / 1000);
    if (!existsSync(join(rstate, 'pgdata', 'PG_VERSION'))) throw new Error('the manager restore left no PGDATA');
    rmSync(join(dir, `restore-${i}`), { recursive: true, force: true });
  };
  // Bare: barman-cloud-restore, the same recovery settings by hand, pg_ctl start, wait for the promotion, stop.
  const restoreBare = async (i) => {
    const bare = join(dir, `bare-${i}`);
    mkdirSync(bare, { mode: 0o700 });
    execFileSync('chown', ['postgres:postgres', bare]);
    const t0 = process.hrtime.bigint();
    asPostgres('/usr/bin/barman-cloud-restore', ['--endpoint-url', endpoint, '--cloud-provider', 'aws-s3', 's3://backups/db', 'bench', backupId, join(bare, 'pgdata')], awsEnv);
    const pgdata = join(bare, 'pgdata');
    const bport = await freePort();
    writeFileSync(join(pgdata, 'override.conf'), [`archive_command = 'false'`, `restore_command = '/usr/bin/barman-cloud-wal-restore --endpoint-url ${endpoint} --cloud-provider aws-s3 s3://backups/db bench %f %p'`, `recovery_target = 'immediate'`, `recovery_target_action = 'promote'`, `port = ${bport}`, `unix_socket_directories = '${bare}'`, `listen_addresses = ''`, `ssl = off`, `logging_collector = off`, `hba_file = '${join(pgdata, 'pg_hba.conf')}'`, ''].join('\n'));
    writeFileSync(join(pgdata, 'pg_hba.conf'), 'local all all peer\n');
    mkdirSync(join(pgdata, 'pg_wal', 'archive_status'), { recursive: true });
    writeFileSync(join(pgdata, 'recovery.signal'), '');
    execFileSync('chown', ['-R', 'postgres:postgres', bare]);
    asPostgres(join(PG_BIN, 'pg_ctl'), ['-D', pgdata, '-l', join(bare, 'log'), '-w', '-t', '600', 'start'], { ...awsEnv });
    await until(() => execFileSync('runuser', ['-u', 'postgres', '--', join(PG_BIN, 'psql'), '-X', '-qAt', '-h', bare, '-p', String(bport), '-d', 'postgres', '-c', 'SELECT pg_is_in_recovery()'], { encoding: 'utf8' }).trim() === 'f', 600_000, 'bare promotion');
    asPostgres(join(PG_BIN, 'pg_ctl'), ['-D', pgdata, '-w', '-m', 'fast', 'stop']);
    bareRestore.push(seconds(t0));
    rmSync(bare, { recursive: true, force: true });
  };
  for (let i = 0; i < RUNS; i++) {
    if (i % 2 === 0) { await restoreViaManager(i); await restoreBare(i); } else { await restoreBare(i); await restoreViaManager(i); }
    console.log(`run ${i}: backup manager ${managerBackup[i].toFixed(1)} s, bare ${bareBackup[i].toFixed(1)} s; restore manager ${managerRestore[i].toFixed(1)} s, bare ${bareRestore[i].toFixed(1)} s; load ${load()}`);
  }
  const ratios = (m, b) => m.map((x, i) => x / b[i]);
  const dbMB = Math.round(Number(execFileSync('runuser', ['-u', 'postgres', '--', join(PG_BIN, 'psql'), '-X', '-qAt', '-h', socketDir, '-p', String(port), '-d', 'postgres', '-c', "SELECT pg_database_size('postgres')"], { encoding: 'utf8' })) / 1e6);
  console.log(JSON.stringify({ date: new Date().toISOString(), loadAtStart, loadAtEnd: load(), scale: SCALE, databaseMB: dbMB, runs: RUNS, compression: 'gzip',
    backup: { managerSeconds: stats(managerBackup), bareSeconds: stats(bareBackup), ratio: stats(ratios(managerBackup, bareBackup), 3) },
    restore: { managerSeconds: stats(managerRestore), bareSeconds: stats(bareRestore), ratio: stats(ratios(managerRestore, bareRestore), 3), managerBeforeBarmanRestoreSeconds: managerBeforeRestore.length ? stats(managerBeforeRestore) : 'n/a' } }));
  mgr.kill('SIGTERM');
  await new Promise((res) => mgr.once('exit', res));
} finally {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
}
