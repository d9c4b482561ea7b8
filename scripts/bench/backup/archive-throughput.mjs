#!/usr/bin/env node
// Archive throughput, same machine, same run, same WAL: segments/s of the manager's archiving (PostgreSQL's
// archiver -> `wal-archive` -> the manager's in-process S3 uploader, wal.maxParallel look-ahead) against
// serial `barman-cloud-wal-archive` (one Python process per segment, as CNPG's in-tree path runs it) on copies
// of the very same segment files, both gzip, both into the same store. The manager's backlog is built while
// the store is down, then timed from the store coming back until pg_stat_archiver reaches the last segment.
// One row per store: s3 (s3rver; in-process @aws-sdk/client-s3) and azure (Azurite's blob service; in-process
// @azure/storage-blob, barman through python3-azure), each with its own manager, one after the other.
// Run as root from a built checkout: node scripts/bench/backup/archive-throughput.mjs   (SEGMENTS=16 MAX_PARALLEL=8 STORES=s3,azure)
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const ROOT = new URL('../../../', import.meta.url).pathname;
const SEGMENTS = Number(process.env.SEGMENTS ?? 16);
const MAX_PARALLEL = Number(process.env.MAX_PARALLEL ?? 8);
const STORES = (process.env.STORES ?? 's3,azure').split(',');
const dir = mkdtempSync(join(tmpdir(), 'pgim-bench-archive-'));
chmodSync(dir, 0o755);
const children = [];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const freePort = () => new Promise((resolve) => { const s = createServer(); s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); }); });
const up = (port) => new Promise((resolve) => { const c = connect(port, '127.0.0.1', () => (c.destroy(), resolve(true))); c.on('error', () => resolve(false)); });
async function until(fn, ms, what) { const end = Date.now() + ms; for (;;) { const v = await fn(); if (v) return v; if (Date.now() > end) throw new Error(`timed out: ${what}`); await sleep(20); } }

// Each store: a child process on a free port with its data in a folder (kept across a restart), the manifest's
// barmanObjectStore lines, the Secret files, and barman-cloud-wal-archive's options and environment.
async function s3Store() {
  const port = await freePort();
  const data = join(dir, 's3');
  mkdirSync(data);
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    name: 's3',
    port,
    spawn: () => spawn(process.execPath, [join(ROOT, 'node_modules/s3rver/bin/s3rver.js'), '-d', data, '-a', '127.0.0.1', '-p', String(port), '--configure-bucket', 'backups', '--silent'], { stdio: 'ignore' }),
    afterStart: async () => undefined,
    lines: ['      destinationPath: s3://backups/manager', `      endpointURL: ${endpoint}`, '      s3Credentials:', '        accessKeyId: { name: creds, key: ID }', '        secretAccessKey: { name: creds, key: KEY }'],
    secret: { ID: 'S3RVER', KEY: 'S3RVER' },
    barman: ['--endpoint-url', endpoint, '--cloud-provider', 'aws-s3', 's3://backups/barman'],
    env: { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_DEFAULT_REGION: 'us-east-1' },
  };
}
async function azureStore() {
  const port = await freePort();
  const data = join(dir, 'azurite');
  mkdirSync(data);
  const account = `http://127.0.0.1:${port}/devstoreaccount1`;
  // Azurite's published development account key (not a secret).
  const key = ['Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErC', 'z4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='].join('');
  const connectionString = `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${key};BlobEndpoint=${account};`;
  const { ContainerClient } = await import('@azure/storage-blob');
  return {
    name: 'azure',
    port,
    spawn: () => spawn(process.execPath, [join(ROOT, 'node_modules/azurite/dist/src/blob/main.js'), '--blobHost', '127.0.0.1', '--blobPort', String(port), '--location', data, '--loose', '--skipApiVersionCheck', '--disableTelemetry', '--silent'], { stdio: 'ignore' }),
    // Azurite persists its metadata lazily: a container made just before a SIGKILL may be gone after it.
    afterStart: () => new ContainerClient(connectionString, 'backups').createIfNotExists(),
    lines: [`      destinationPath: ${account}/backups/manager`, '      azureCredentials:', '        connectionString: { name: creds, key: CS }'],
    secret: { CS: connectionString },
    barman: ['--cloud-provider', 'azure-blob-storage', `${account}/backups/barman`],
    env: { AZURE_STORAGE_CONNECTION_STRING: connectionString },
  };
}

async function row(store) {
  let child;
  const start = async () => {
    child = store.spawn();
    children.push(child);
    await until(() => up(store.port), 30_000, store.name);
    await store.afterStart();
  };
  const stop = async () => { const c = child; const gone = new Promise((r) => c.once('exit', r)); c.kill('SIGKILL'); await gone; };
  await start();
  const base = join(dir, `run-${store.name}`);
  const state = join(base, 'state');
  mkdirSync(join(state, 'secrets', 'creds'), { recursive: true, mode: 0o755 });
  chmodSync(base, 0o755);
  for (const [k, v] of Object.entries(store.secret)) writeFileSync(join(state, 'secrets', 'creds', k), v, { mode: 0o644 });
  const manifest = join(base, 'cluster.yaml');
  writeFileSync(manifest, [
    'apiVersion: postgresql.cnpg.io/v1', 'kind: Cluster', 'metadata:', '  name: bench', 'spec:', '  instances: 1',
    '  backup:', '    barmanObjectStore:', ...store.lines,
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
  await stop();
  const names = [];
  sql('CREATE TABLE filler(x text)');
  for (let i = 0; i < SEGMENTS; i++) {
    sql("INSERT INTO filler SELECT repeat(md5(random()::text), 40) FROM generate_series(1, 4000)");
    names.push(sql('SELECT pg_walfile_name(pg_switch_wal())'));
  }
  const last = names.at(-1);
  await start();
  const t0 = process.hrtime.bigint();
  sql('SELECT pg_switch_wal()'); // wakes the archiver now rather than at its next 60 s retry
  // Polled through the .done file, not psql: a process per poll would take CPU from what is measured.
  const done = join(state, 'pgdata', 'pg_wal', 'archive_status', `${last}.done`);
  await until(() => existsSync(done), 600_000, 'backlog archived');
  const managerSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
  // The same segment files, serial barman-cloud-wal-archive, into another prefix of the same store.
  const copies = join(base, 'copies');
  mkdirSync(copies);
  for (const n of names) copyFileSync(join(state, 'pgdata', 'pg_wal', n), join(copies, n));
  const env = { ...process.env, ...store.env };
  const t1 = process.hrtime.bigint();
  for (const n of readdirSync(copies).sort()) {
    execFileSync('barman-cloud-wal-archive', ['--gzip', ...store.barman, 'bench', join(copies, n)], { env, stdio: 'inherit' });
  }
  const barmanSeconds = Number(process.hrtime.bigint() - t1) / 1e9;
  const managerRate = SEGMENTS / managerSeconds;
  const barmanRate = SEGMENTS / barmanSeconds;
  console.log(JSON.stringify({ date: new Date().toISOString(), store: store.name, segments: SEGMENTS, maxParallel: MAX_PARALLEL, compression: 'gzip', managerSeconds: +managerSeconds.toFixed(2), managerSegmentsPerSecond: +managerRate.toFixed(2), barmanSeconds: +barmanSeconds.toFixed(2), barmanSegmentsPerSecond: +barmanRate.toFixed(2), ratio: +(managerRate / barmanRate).toFixed(2) }));
  mgr.kill('SIGTERM');
  await new Promise((r) => mgr.once('exit', r));
  await stop();
}

try {
  for (const name of STORES) await row(name === 'azure' ? await azureStore() : await s3Store());
} finally {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
}
