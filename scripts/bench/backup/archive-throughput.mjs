#!/usr/bin/env node
// Archive throughput, same machine, same run, same WAL: segments/s of the manager's archiving (PostgreSQL's
// archiver -> `wal-archive` -> the manager's in-process S3 uploader, wal.maxParallel look-ahead) against
// serial `barman-cloud-wal-archive` (one Python process per segment, as CNPG's in-tree path runs it) on copies
// of the very same segment files, both gzip, both into the same s3rver. The manager's backlog is built while
// the store is down, then timed from the store coming back until pg_stat_archiver reaches the last segment.
// Run as root from a built checkout: node scripts/bench/backup/archive-throughput.mjs   (SEGMENTS=16 MAX_PARALLEL=8)
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const ROOT = new URL('../../../', import.meta.url).pathname;
const SEGMENTS = Number(process.env.SEGMENTS ?? 16);
const MAX_PARALLEL = Number(process.env.MAX_PARALLEL ?? 8);
const dir = mkdtempSync(join(tmpdir(), 'pgim-bench-archive-'));
chmodSync(dir, 0o755);
const children = [];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const freePort = () => new Promise((resolve) => { const s = createServer(); s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); }); });
const up = (port) => new Promise((resolve) => { const c = connect(port, '127.0.0.1', () => (c.destroy(), resolve(true))); c.on('error', () => resolve(false)); });
async function until(fn, ms, what) { const end = Date.now() + ms; for (;;) { const v = await fn(); if (v) return v; if (Date.now() > end) throw new Error(`timed out: ${what}`); await sleep(20); } }

const s3port = await freePort();
const s3dir = join(dir, 's3');
mkdirSync(s3dir);
let s3;
async function s3start() {
  s3 = spawn(process.execPath, [join(ROOT, 'node_modules/s3rver/bin/s3rver.js'), '-d', s3dir, '-a', '127.0.0.1', '-p', String(s3port), '--configure-bucket', 'backups', '--silent'], { stdio: 'ignore' });
  children.push(s3);
  await until(() => up(s3port), 20_000, 's3rver');
}
async function s3stop() { const c = s3; const gone = new Promise((r) => c.once('exit', r)); c.kill('SIGKILL'); await gone; }

try {
  await s3start();
  const state = join(dir, 'state');
  mkdirSync(join(state, 'secrets', 's3-creds'), { recursive: true, mode: 0o755 });
  writeFileSync(join(state, 'secrets', 's3-creds', 'ID'), 'S3RVER', { mode: 0o644 });
  writeFileSync(join(state, 'secrets', 's3-creds', 'KEY'), 'S3RVER', { mode: 0o644 });
  const manifest = join(dir, 'cluster.yaml');
  writeFileSync(manifest, [
    'apiVersion: postgresql.cnpg.io/v1', 'kind: Cluster', 'metadata:', '  name: bench', 'spec:', '  instances: 1',
    '  backup:', '    barmanObjectStore:', '      destinationPath: s3://backups/manager', `      endpointURL: http://127.0.0.1:${s3port}`,
    '      s3Credentials:', '        accessKeyId: { name: s3-creds, key: ID }', '        secretAccessKey: { name: s3-creds, key: KEY }',
    '      wal:', '        compression: gzip', `        maxParallel: ${MAX_PARALLEL}`, '',
  ].join('\n'));
  const port = await freePort();
  const mgr = spawn(process.execPath, [join(ROOT, 'dist/bundle/main.js'), 'instance', 'run', '--cluster-manifest', manifest, '--state-dir', state, '--port', String(port), '--status-port', String(await freePort()), '--metrics-port', String(await freePort())], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, PGDATA: '' } });
  children.push(mgr);
  let socketDir;
  createInterface({ input: mgr.stdout }).on('line', (l) => { try { const j = JSON.parse(l); if (j.msg === 'instance ready') socketDir = j.socketDir; } catch { /* not JSON */ } });
  await until(() => socketDir, 90_000, 'instance ready');
  const sql = (q) => execFileSync('runuser', ['-u', 'postgres', '--', 'psql', '-X', '-qAt', '-h', socketDir, '-p', String(port), '-d', 'postgres', '-c', q], { encoding: 'utf8' }).trim();
  const archived = () => sql("SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver");
  // The first segment goes up with the store there (the empty-archive check runs once, before it).
  const first = sql('SELECT pg_walfile_name(pg_switch_wal())');
  await until(() => archived() >= first, 60_000, 'first segment archived');
  await s3stop();
  const names = [];
  sql('CREATE TABLE filler(x text)');
  for (let i = 0; i < SEGMENTS; i++) {
    sql("INSERT INTO filler SELECT repeat(md5(random()::text), 40) FROM generate_series(1, 4000)");
    names.push(sql('SELECT pg_walfile_name(pg_switch_wal())'));
  }
  const last = names.at(-1);
  await s3start();
  const t0 = process.hrtime.bigint();
  sql('SELECT pg_switch_wal()'); // wakes the archiver now rather than at its next 60 s retry
  // Polled through the .done file, not psql: a process per poll would take CPU from what is measured.
  const done = join(state, 'pgdata', 'pg_wal', 'archive_status', `${last}.done`);
  await until(() => existsSync(done), 600_000, 'backlog archived');
  const managerSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
  // The same segment files, serial barman-cloud-wal-archive, into another prefix of the same store.
  const copies = join(dir, 'copies');
  mkdirSync(copies);
  for (const n of names) copyFileSync(join(state, 'pgdata', 'pg_wal', n), join(copies, n));
  const env = { ...process.env, AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_DEFAULT_REGION: 'us-east-1' };
  const t1 = process.hrtime.bigint();
  for (const n of readdirSync(copies).sort()) {
    execFileSync('barman-cloud-wal-archive', ['--gzip', '--endpoint-url', `http://127.0.0.1:${s3port}`, '--cloud-provider', 'aws-s3', 's3://backups/barman', 'bench', join(copies, n)], { env, stdio: 'inherit' });
  }
  const barmanSeconds = Number(process.hrtime.bigint() - t1) / 1e9;
  const managerRate = SEGMENTS / managerSeconds;
  const barmanRate = SEGMENTS / barmanSeconds;
  console.log(JSON.stringify({ date: new Date().toISOString(), segments: SEGMENTS, maxParallel: MAX_PARALLEL, compression: 'gzip', managerSeconds: +managerSeconds.toFixed(2), managerSegmentsPerSecond: +managerRate.toFixed(2), barmanSeconds: +barmanSeconds.toFixed(2), barmanSegmentsPerSecond: +barmanRate.toFixed(2), ratio: +(managerRate / barmanRate).toFixed(2) }));
  mgr.kill('SIGTERM');
  await new Promise((r) => mgr.once('exit', r));
} finally {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
}
