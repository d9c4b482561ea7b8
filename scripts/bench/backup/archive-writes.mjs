#!/usr/bin/env node
// Writes with WAL archiving on against the same writes without it, same run, same data size: two single
// instances (`instance run`, embedded default) side by side, one with spec.backup (gzip WAL into an s3rver on
// 127.0.0.1, the manager's archiving: archive_command -> native wal-client -> in-process upload) and one
// without (archive_mode off); pgbench TPC-B -c 8 -j 2 -T PGBENCH_SECONDS on each in turn, alternating which goes
// first. While the archiving one runs, its /pg/status readyWalFiles (segments waiting for the archiver) is read
// every 500 ms; its maximum, and the backlog left when pgbench ends, say whether archiving keeps up.
// Target: tps ratio >= 0.95 and readyWalFiles bounded.
// Run as root from a built checkout: node scripts/bench/backup/archive-writes.mjs   (RUNS=3 SCALE=15 PGBENCH_SECONDS=15)
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PG_BIN, ROOT, RUNS, asPostgres, children, cleanup, freePort, load, median, pgbench, pgbenchAsync, psql, sleep, startManager, stats, stopProcess, until } from '../lib-node.mjs';

const SCALE = Number(process.env.SCALE ?? 15);
const SECONDS = Number(process.env.PGBENCH_SECONDS ?? 15);
const dir = mkdtempSync(join(tmpdir(), 'pgim-bench-archive-writes-'));
chmodSync(dir, 0o755);
const out = { date: new Date().toISOString(), loadAtStart: load(), scale: SCALE, runs: RUNS, seconds: SECONDS, compression: 'gzip' };
console.log(`# archiving on against off under pgbench, ${out.date}, load average ${out.loadAtStart}, RUNS=${RUNS} SCALE=${SCALE}`);
const up = (port) => new Promise((resolve) => { const c = connect(port, '127.0.0.1', () => (c.destroy(), resolve(true))); c.on('error', () => resolve(false)); });

/** /pg/status of a manager (TLS; a local read checks no certificate, as `instance status` does). */
function pgStatus(port) {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/pg/status', rejectUnauthorized: false, timeout: 2000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => { try { resolve(JSON.parse(body)); } catch (err) { reject(err); } });
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

const pgdatas = [];
try {
  const s3port = await freePort();
  mkdirSync(join(dir, 's3'));
  children.push(spawn(process.execPath, [join(ROOT, 'node_modules/s3rver/bin/s3rver.js'), '-d', join(dir, 's3'), '-a', '127.0.0.1', '-p', String(s3port), '--configure-bucket', 'backups', '--silent'], { stdio: 'ignore' }));
  await until(() => up(s3port), 20_000, 's3rver');
  const instance = async (name, backup) => {
    const state = join(dir, name);
    mkdirSync(join(state, 'secrets', 's3-creds'), { recursive: true, mode: 0o755 });
    writeFileSync(join(state, 'secrets', 's3-creds', 'ID'), 'S3RVER');
    writeFileSync(join(state, 'secrets', 's3-creds', 'KEY'), 'S3RVER');
    execFileSync('chown', ['-R', 'postgres:postgres', state]);
    const manifest = join(dir, `${name}.yaml`);
    writeFileSync(manifest, ['apiVersion: postgresql.cnpg.io/v1', 'kind: Cluster', 'metadata:', `  name: ${name}`, 'spec:', '  instances: 1', '  postgresql:', '    parameters:', '      shared_buffers: 128MB',
      ...(backup ? ['  backup:', '    barmanObjectStore:', `      destinationPath: s3://backups/${name}`, `      endpointURL: http://127.0.0.1:${s3port}`,
        '      s3Credentials:', '        accessKeyId: { name: s3-creds, key: ID }', '        secretAccessKey: { name: s3-creds, key: KEY }', '      wal:', '        compression: gzip'] : []), ''].join('\n'));
    const port = await freePort();
    const statusPort = await freePort();
    const m = startManager(['instance', 'run', '--cluster-manifest', manifest, '--state-dir', state, '--port', String(port), '--status-port', String(statusPort), '--metrics-port', String(await freePort())], join(dir, `${name}.log`));
    pgdatas.push(join(state, 'pgdata'));
    await until(() => m.lines.some((l) => l.msg === 'instance ready'), 120_000, `${name} ready`, 100);
    const sock = join(state, 'controller', 'run');
    asPostgres(join(PG_BIN, 'pgbench'), ['-q', '-i', '-s', String(SCALE), '-h', sock, '-p', String(port), 'postgres']);
    return { name, m, port, statusPort, sock };
  };
  const on = await instance('archiving', true);
  const off = await instance('plain', false);
  const ready = async () => Number((await pgStatus(on.statusPort)).readyWalFiles ?? 0);
  // pgbench -i's WAL is archived before anything is timed.
  await until(async () => (await ready()) === 0, 300_000, 'the initial backlog archived', 500);

  const onTps = [];
  const offTps = [];
  const maxReady = [];
  const leftReady = [];
  const measureOn = async () => {
    psql(on.sock, on.port, 'CHECKPOINT');
    let max = 0;
    let running = true;
    const watcher = (async () => { while (running) { max = Math.max(max, await ready().catch(() => max)); await sleep(500); } })();
    onTps.push(await pgbenchAsync(on.sock, on.port, SECONDS));
    running = false;
    await watcher;
    maxReady.push(max);
    leftReady.push(await ready());
    await until(async () => (await ready()) === 0, 300_000, 'backlog archived after the run', 500);
  };
  const measureOff = () => { psql(off.sock, off.port, 'CHECKPOINT'); offTps.push(pgbench(off.sock, off.port, SECONDS)); };
  for (let i = 0; i < RUNS; i++) {
    if (i % 2 === 0) { await measureOn(); measureOff(); } else { measureOff(); await measureOn(); }
    console.log(`pair ${i}: archiving ${onTps.at(-1).toFixed(0)} tps (readyWalFiles max ${maxReady.at(-1)}, left ${leftReady.at(-1)}), without ${offTps.at(-1).toFixed(0)} tps, load ${load()}`);
  }
  const ratios = onTps.map((x, i) => x / offTps[i]);
  out.archivingTps = stats(onTps);
  out.withoutTps = stats(offTps);
  out.ratio = +median(ratios).toFixed(3);
  out.ratios = stats(ratios, 3);
  out.readyWalFilesMax = Math.max(...maxReady);
  out.readyWalFilesLeftAtEnd = stats(leftReady);
  out.archived = psql(on.sock, on.port, 'SELECT archived_count || \' archived, \' || failed_count || \' failed\' FROM pg_stat_archiver');
  await Promise.all([stopProcess(on.m.proc, 'SIGTERM'), stopProcess(off.m.proc, 'SIGTERM')]);
  out.loadAtEnd = load();
  console.log(JSON.stringify(out));
} finally {
  cleanup(pgdatas);
  if (process.env.KEEP !== '1') rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
}
