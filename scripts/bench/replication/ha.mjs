#!/usr/bin/env node
// Switchover and failover of two instances, same run, same data size (pgbench scale SCALE), alternating which
// side goes first. Manager: `local-cluster up` (failoverDelay 0). Bare: a PostgreSQL 15 primary and a standby
// cloned with pg_basebackup, driven by hand.
// - switchover: from the moment status.targetPrimary is written (by target-writer.mjs, started beforehand as
//   the run user, through the same locked writer and patch as `local-cluster switchover`, as an operator
//   would) until the new primary commits an INSERT AND lists the old one as `streaming` in
//   pg_stat_replication; bare: from `pg_ctl stop -m fast` of the old, then `pg_promote()` of the new, the old
//   restarted with standby.signal. Target <= 1.5x.
// - failover: kill -9 of the primary's manager and postmaster (bare: of the postmaster) until the other instance
//   commits an INSERT; bare: kill -9 and an immediate pg_promote(). Target <= bare + 2 s. The time for the
//   crashed side to stream again (pg_rewind) is printed too.
// Run as root from a built checkout: node scripts/bench/replication/ha.mjs   (RUNS=3 SCALE=15)
import { execFileSync, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BARE_CONF, PG_BIN, RUNS, asPostgres, cleanup, load, median, now, pgCtlStart, pgCtlStop, pgFolder, portBase, postmasterPid, psql, sleep, startManager, stats, stopProcess, until, writable } from '../lib-node.mjs';

const SCALE = Number(process.env.SCALE ?? 15);
const POLL = 50; // ms between psql probes, the same on both sides
const dir = mkdtempSync(join(tmpdir(), 'pgim-bench-ha-'));
chmodSync(dir, 0o755);
const name = 'hb';
const pgdatas = [];
const out = { date: new Date().toISOString(), loadAtStart: load(), scale: SCALE, runs: RUNS };
console.log(`# replication switchover and failover, ${out.date}, load average ${out.loadAtStart}, RUNS=${RUNS} SCALE=${SCALE}`);
const isStreaming = (sock, port, app) => psql(sock, port, `SELECT count(*) FROM pg_stat_replication WHERE application_name = '${app}' AND state = 'streaming'`) === '1';

// --- the manager's cluster ---
const state = join(dir, 'state');
const manifest = join(dir, 'cluster.yaml');
writeFileSync(manifest, ['apiVersion: postgresql.cnpg.io/v1', 'kind: Cluster', 'metadata:', `  name: ${name}`, 'spec:', '  instances: 2', '  smartShutdownTimeout: 5', '  stopDelay: 30',
  '  failoverDelay: 0', '  switchoverDelay: 30', '  replicationSlots:', '    updateInterval: 1', '  postgresql:', '    parameters:', '      shared_buffers: 128MB', ''].join('\n'));
const [mBase, sBase, xBase] = [await portBase(2), await portBase(2), await portBase(2)];
const flags = ['--cluster-manifest', manifest, '--state-dir', state, '--port', String(mBase), '--status-port', String(sBase), '--metrics-port', String(xBase)];
const m = [1, 2].map((n) => ({ app: `${name}-${n}`, port: mBase + n - 1, sock: join(state, `${name}-${n}`, 'controller', 'run'), pgdata: join(state, `${name}-${n}`, 'pgdata') }));
pgdatas.push(...m.map((i) => i.pgdata));
const primaryName = () => JSON.parse(readFileSync(join(state, 'status.json'), 'utf8')).currentPrimary;
const healthy = (p, r) => writable(p.sock, p.port) && isStreaming(p.sock, p.port, r.app);

// --- the bare pair ---
const bBase = await portBase(2);
const b = [1, 2].map((n) => ({ app: `bare-${n}`, port: bBase + n - 1, sock: pgFolder(join(dir, `bare-${n}`)), pgdata: join(dir, `bare-${n}`, 'pgdata'), log: join(dir, `bare-${n}`, 'log') }));
pgdatas.push(...b.map((i) => i.pgdata));
const follow = (standby, primary) => {
  writeFileSync(join(standby.pgdata, 'conninfo.conf'), `primary_conninfo = 'host=127.0.0.1 port=${primary.port} user=postgres application_name=${standby.app}'\n`);
  writeFileSync(join(standby.pgdata, 'standby.signal'), '');
  execFileSync('chown', ['postgres:postgres', join(standby.pgdata, 'conninfo.conf'), join(standby.pgdata, 'standby.signal')]);
};

let writer;
try {
  const up = startManager(['local-cluster', 'up', ...flags], join(dir, 'local-cluster.log'));
  asPostgres(join(PG_BIN, 'initdb'), ['-A', 'trust', '-E', 'UTF8', '--locale=C', '-D', b[0].pgdata]);
  appendFileSync(b[0].pgdata + '/postgresql.conf', [...BARE_CONF, 'wal_receiver_timeout = 5s', 'wal_sender_timeout = 5s', "include_if_exists = 'conninfo.conf'", ''].join('\n'));
  pgCtlStart(b[0].pgdata, b[0].port, b[0].sock, b[0].log);
  asPostgres(join(PG_BIN, 'pgbench'), ['-q', '-i', '-s', String(SCALE), '-h', b[0].sock, '-p', String(b[0].port), 'postgres']);
  psql(b[0].sock, b[0].port, 'CREATE TABLE bench_probe (t timestamptz)');
  asPostgres(join(PG_BIN, 'pg_basebackup'), ['-h', b[0].sock, '-p', String(b[0].port), '-U', 'postgres', '-X', 'stream', '-c', 'fast', '-D', b[1].pgdata]);
  follow(b[1], b[0]);
  pgCtlStart(b[1].pgdata, b[1].port, b[1].sock, b[1].log);
  await until(() => isStreaming(b[0].sock, b[0].port, b[1].app), 60_000, 'bare standby streaming', 200);

  await until(() => up.lines.some((l) => l.msg?.startsWith('local cluster started')), 180_000, 'local cluster started', 200);
  await until(() => psql(m[0].sock, m[0].port, 'CREATE TABLE IF NOT EXISTS bench_probe (t timestamptz)') === '', 60_000, 'probe table', 200);
  asPostgres(join(PG_BIN, 'pgbench'), ['-q', '-i', '-s', String(SCALE), '-h', m[0].sock, '-p', String(m[0].port), 'postgres']);
  await until(() => healthy(m[0], m[1]), 300_000, 'hb-2 streaming', 200);
  console.log(`# both pairs streaming, load average ${load()}`);

  const res = { mSwitch: [], bSwitch: [], mSwitchWritable: [], bSwitchWritable: [], mSwitchWrite: [], mFail: [], bFail: [], mRejoin: [], bRejoin: [] };
  // The operator's side, started now so that no process start falls inside a measurement.
  writer = spawn('runuser', ['-u', 'postgres', '--', process.execPath, new URL('target-writer.mjs', import.meta.url).pathname, join(state, 'status.json'), m.map((i) => i.app).join(',')], { stdio: ['pipe', 'pipe', 'inherit'] });
  const written = createInterface({ input: writer.stdout })[Symbol.asyncIterator]();
  const setTargetPrimary = async (target) => {
    writer.stdin.write(`${target}\n`);
    const answer = JSON.parse((await written.next()).value ?? '{}');
    if (answer.error !== undefined || answer.t0 === undefined) throw new Error(`targetPrimary not written: ${answer.error ?? 'no answer'}`);
    return answer;
  };
  const mSwitchover = async () => {
    const [p, r] = primaryName() === m[0].app ? [m[0], m[1]] : [m[1], m[0]];
    const { t0, t1 } = await setTargetPrimary(r.app);
    await until(() => writable(r.sock, r.port), 120_000, 'new primary writable', POLL);
    res.mSwitchWritable.push(now() - t0);
    await until(() => isStreaming(r.sock, r.port, p.app), 120_000, 'old primary streaming', POLL);
    res.mSwitch.push(now() - t0);
    // The locked write itself (lock file, read, temp file, rename), inside the measurement.
    res.mSwitchWrite.push(t1 - t0);
    await until(() => primaryName() === r.app, 30_000, 'currentPrimary set', POLL);
  };
  const bSwitchover = async () => {
    const [p, r] = !readFileExists(join(b[0].pgdata, 'standby.signal')) ? [b[0], b[1]] : [b[1], b[0]];
    const t0 = now();
    pgCtlStop(p.pgdata, 'fast');
    psql(r.sock, r.port, 'SELECT pg_promote()');
    follow(p, r);
    pgCtlStart(p.pgdata, p.port, p.sock, p.log);
    await until(() => writable(r.sock, r.port), 120_000, 'bare new primary writable', POLL);
    res.bSwitchWritable.push(now() - t0);
    await until(() => isStreaming(r.sock, r.port, p.app), 120_000, 'bare old primary streaming', POLL);
    res.bSwitch.push(now() - t0);
  };
  const mFailover = async () => {
    const [p, r] = primaryName() === m[0].app ? [m[0], m[1]] : [m[1], m[0]];
    const managerPid = up.lines.filter((l) => l.msg === 'instance manager started' && l.instance === p.app).at(-1)?.pid;
    const pm = postmasterPid(p.pgdata);
    const t0 = now();
    process.kill(managerPid, 'SIGKILL');
    process.kill(pm, 'SIGKILL');
    await until(() => writable(r.sock, r.port), 120_000, 'failover: new primary writable', POLL);
    res.mFail.push(now() - t0);
    await until(() => isStreaming(r.sock, r.port, p.app), 300_000, 'failover: old primary back and streaming', 200);
    res.mRejoin.push(now() - t0);
  };
  const bFailover = async () => {
    const [p, r] = !readFileExists(join(b[0].pgdata, 'standby.signal')) ? [b[0], b[1]] : [b[1], b[0]];
    const pm = postmasterPid(p.pgdata);
    const t0 = now();
    process.kill(pm, 'SIGKILL');
    psql(r.sock, r.port, 'SELECT pg_promote()');
    await until(() => writable(r.sock, r.port), 120_000, 'bare failover writable', POLL);
    res.bFail.push(now() - t0);
    // Back as a standby: pg_rewind (it runs the crash recovery itself) once the old backends are gone.
    await until(() => { asPostgres(join(PG_BIN, 'pg_rewind'), ['-D', p.pgdata, '--source-server', `host=${r.sock} port=${r.port} user=postgres dbname=postgres`]); return true; }, 60_000, 'pg_rewind', 500);
    follow(p, r);
    pgCtlStart(p.pgdata, p.port, p.sock, p.log);
    await until(() => isStreaming(r.sock, r.port, p.app), 120_000, 'bare old primary streaming', 200);
    res.bRejoin.push(now() - t0);
  };
  const settle = async () => { await until(() => healthy(...(primaryName() === m[0].app ? [m[0], m[1]] : [m[1], m[0]])), 300_000, 'manager pair healthy', 200); await sleep(2000); };
  for (let i = 0; i < RUNS; i++) {
    if (i % 2 === 0) { await mSwitchover(); await settle(); await bSwitchover(); } else { await bSwitchover(); await mSwitchover(); }
    await settle();
    console.log(`switchover ${i}: manager ${res.mSwitch.at(-1).toFixed(0)} ms (writable ${res.mSwitchWritable.at(-1).toFixed(0)}), bare ${res.bSwitch.at(-1).toFixed(0)} ms (writable ${res.bSwitchWritable.at(-1).toFixed(0)}), load ${load()}`);
  }
  for (let i = 0; i < RUNS; i++) {
    if (i % 2 === 0) { await mFailover(); await settle(); await bFailover(); } else { await bFailover(); await mFailover(); }
    await settle();
    console.log(`failover ${i}: manager ${res.mFail.at(-1).toFixed(0)} ms, bare ${res.bFail.at(-1).toFixed(0)} ms; back and streaming: manager ${res.mRejoin.at(-1).toFixed(0)} ms, bare ${res.bRejoin.at(-1).toFixed(0)} ms, load ${load()}`);
  }
  const sw = res.mSwitch.map((x, i) => x / res.bSwitch[i]);
  const fd = res.mFail.map((x, i) => x - res.bFail[i]);
  out.switchover = { managerMs: stats(res.mSwitch), bareMs: stats(res.bSwitch), ratio: +median(sw).toFixed(3), ratios: stats(sw, 3), managerWritableMs: stats(res.mSwitchWritable), managerTargetPrimaryWriteMs: stats(res.mSwitchWrite), bareWritableMs: stats(res.bSwitchWritable) };
  out.failover = { managerMs: stats(res.mFail), bareMs: stats(res.bFail), differenceMs: stats(fd), managerRejoinMs: stats(res.mRejoin), bareRejoinMs: stats(res.bRejoin) };
  await stopProcess(up.proc, 'SIGINT');
  out.loadAtEnd = load();
  console.log(JSON.stringify(out));
} finally {
  writer?.stdin.end();
  for (const x of b) pgCtlStop(x.pgdata, 'immediate');
  cleanup(pgdatas);
  if (process.env.KEEP !== '1') rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
}

function readFileExists(path) { try { readFileSync(path); return true; } catch { return false; } }
