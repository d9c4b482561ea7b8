#!/usr/bin/env node
// Join and write throughput, one primary (`instance run`, embedded default, pgbench scale SCALE ≈ 15 MB per
// unit): `instance join` of a replica (empty folder -> a complete replica PGDATA, the command's whole run:
// Node start, certificates, the wait for the primary, pg_basebackup -X stream -c fast, override.conf, rename)
// against bare `pg_basebackup -X stream -c fast` from the same primary with the same TLS client certificate and
// conninfo (read from the first join's override.conf), alternating which goes first. Then pgbench TPC-B
// (-c 8 -j 2 -T PGBENCH_SECONDS) on the primary with the joined replica running and streaming, against the same
// primary with the replica stopped, in alternating pairs, and the same pairs on a bare PostgreSQL primary and
// standby of the same scale beside it (pg_ctl, the manager's settings without TLS): what streaming costs the
// writer on this machine without any manager. Targets: join <= 1.10x; writes >= 0.95x.
// CPUS=split (the default) runs the primary's manager (with its postgres) and pgbench on CPU 0 and the replica's
// on CPU 1, as on two machines: on one shared pair of CPUs the replica's replay takes CPU from the writer (bare
// PostgreSQL measured 0.89x with an async standby so, 2026-12-03), which is the machine, not the manager.
// CPUS=shared runs everything on every CPU.
// Run as root from a built checkout: node scripts/bench/replication/join-writes.mjs (RUNS=3 SCALE=15 PGBENCH_SECONDS=10)
import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdirSync, readFileSync, rmSync, writeFileSync, chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BARE_CONF, MAIN, V8_FLAGS, PG_BIN, RUNS, asPostgres, cleanup, load, median, now, pgCtlStart, pgCtlStop, pgFolder, pgbench, portBase, psql, startManager, stats, stopProcess, until, freePort, children } from '../lib-node.mjs';

const SCALE = Number(process.env.SCALE ?? 15);
const SECONDS = Number(process.env.PGBENCH_SECONDS ?? 10);
const KEEP = process.env.KEEP === '1';
const SPLIT = (process.env.CPUS ?? 'split') === 'split';
const [primaryCpus, replicaCpus] = SPLIT ? ['0', '1'] : [undefined, undefined];
const dir = mkdtempSync(join(tmpdir(), 'pgim-bench-join-'));
chmodSync(dir, 0o755);
const name = 'jb';
const names = [`${name}-1`, `${name}-2`];
const manifest = join(dir, 'cluster.yaml');
writeFileSync(manifest, ['apiVersion: postgresql.cnpg.io/v1', 'kind: Cluster', 'metadata:', `  name: ${name}`, 'spec:', '  instances: 2', '  smartShutdownTimeout: 5', '  stopDelay: 30',
  '  replicationSlots:', '    updateInterval: 1', '  postgresql:', '    parameters:', '      shared_buffers: 128MB', ''].join('\n'));
const base = await portBase(2);
const stateOf = (sub) => join(dir, sub, 'state');
function stateWith(sub, status) {
  mkdirSync(stateOf(sub), { recursive: true });
  writeFileSync(join(stateOf(sub), 'status.json'), JSON.stringify(status));
  execFileSync('chown', ['-R', 'postgres:postgres', join(dir, sub)]);
  return stateOf(sub);
}
const instanceArgs = async (state, ordinal) => ['--cluster-manifest', manifest, '--state-dir', state, '--pod-name', names[ordinal - 1], '--peer-port-base', String(base), '--port', String(base + ordinal - 1),
  '--status-port', String(await freePort()), '--metrics-port', String(await freePort()), ...(ordinal > 1 ? ['--secrets-dir', join(stateOf('primary'), 'secrets')] : [])];
const replicaStatus = { currentPrimary: names[0], targetPrimary: names[0], instanceNames: names };
const pgdatas = [];
const out = { date: new Date().toISOString(), loadAtStart: load(), scale: SCALE, runs: RUNS, cpus: SPLIT ? 'split' : 'shared' };
console.log(`# replication join and writes, ${out.date}, load average ${out.loadAtStart}, RUNS=${RUNS} SCALE=${SCALE} CPUS=${out.cpus}`);

try {
  const pState = stateWith('primary', { instanceNames: names });
  pgdatas.push(join(pState, 'pgdata'));
  const primary = startManager(['instance', 'run', ...(await instanceArgs(pState, 1))], join(dir, 'primary.log'), primaryCpus);
  await until(() => primary.lines.some((l) => l.msg === 'instance ready'), 120_000, 'primary ready');
  const sock = join(pState, 'controller', 'run');
  asPostgres(join(PG_BIN, 'pgbench'), ['-q', '-i', '-s', String(SCALE), '-h', sock, '-p', String(base), 'postgres']);
  out.databaseMB = Math.round(Number(psql(sock, base, "SELECT pg_database_size('postgres')")) / 1e6);
  console.log(`# database ${out.databaseMB} MB`);

  const joinMs = [];
  const phases = [];
  const bareMs = [];
  let conninfo;
  let lastJoin;
  const viaManager = async (i) => {
    const state = stateWith(`join-${i}`, replicaStatus);
    const t0 = now();
    const wall0 = Date.now();
    const log = execFileSync(process.execPath, [...V8_FLAGS, MAIN, 'instance', 'join', ...(await instanceArgs(state, 2))], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, PGDATA: '' }, timeout: 600_000 });
    joinMs.push(now() - t0);
    writeFileSync(join(dir, `join-${i}.log`), log);
    // Where the command's time went, from its own log: until the clone starts (Node, certificates, the wait for
    // the primary), the clone (pg_basebackup), and after it (override.conf, rename, exit).
    const at = (msg) => Date.parse(log.split('\n').map((l) => { try { return JSON.parse(l); } catch { return {}; } }).find((j) => j.msg === msg)?.ts ?? '');
    const [a, b] = [at('cloning the primary'), at('replica cloned')];
    phases.push(`${a - wall0}/${b - a}/${Math.round(wall0 + joinMs.at(-1) - b)}`);
    const conf = readFileSync(join(state, 'pgdata', 'override.conf'), 'utf8');
    conninfo = /primary_conninfo = '(.*)'/.exec(conf)?.[1].replace(/''/g, "'");
    if (lastJoin) rmSync(join(dir, lastJoin), { recursive: true, force: true });
    lastJoin = `join-${i}`;
  };
  const bare = (i) => {
    const target = join(dir, `bare-${i}`);
    mkdirSync(target, { mode: 0o700 });
    execFileSync('chown', ['postgres:postgres', target]);
    const t0 = now();
    asPostgres(join(PG_BIN, 'pg_basebackup'), ['-d', conninfo.replace(/application_name=\S+/, 'application_name=bare-basebackup'), '-X', 'stream', '-c', 'fast', '-D', join(target, 'pgdata')]);
    bareMs.push(now() - t0);
    rmSync(target, { recursive: true, force: true });
  };
  // A CHECKPOINT before each clone: `-c fast` makes the clone's own checkpoint flush every dirty buffer, and the
  // first clone after `pgbench -i` would otherwise pay for the whole load (1.35x against 1.07x in the next run).
  const settled = () => psql(sock, base, 'CHECKPOINT');
  for (let i = 0; i < RUNS; i++) {
    if (i % 2 === 0) { settled(); await viaManager(i); settled(); bare(i); } else { settled(); bare(i); settled(); await viaManager(i); }
    console.log(`join run ${i}: manager ${joinMs.at(-1).toFixed(0)} ms (before/clone/after ${phases.at(-1)}), bare ${bareMs.at(-1).toFixed(0)} ms, load ${load()}`);
  }
  const ratios = joinMs.map((m, i) => m / bareMs[i]);
  out.join = { managerMs: stats(joinMs), bareMs: stats(bareMs), ratio: +median(ratios).toFixed(3), ratios: stats(ratios, 3), managerBeforeCloneAfterMs: phases.join(' ') };

  // Writes: the last joined PGDATA runs as jb-2; pgbench with it streaming, then with it stopped. The bare pair
  // does the same beside it: its own initdb at the same scale with the manager's settings (BARE_CONF: no TLS),
  // primary and pgbench on the primary's CPUs, standby (pg_basebackup, a slot) on the replica's, run by pg_ctl.
  const rState = stateOf(lastJoin);
  pgdatas.push(join(rState, 'pgdata'));
  const caughtUp = (host, port, app) => psql(host, port, `SELECT count(*) FROM pg_stat_replication WHERE application_name = '${app}' AND state = 'streaming' AND replay_lsn = pg_current_wal_lsn()`) === '1';
  let replica;
  const managerSide = {
    name: 'manager', sock, port: base, withTps: [], withoutTps: [],
    start: async () => {
      replica = startManager(['instance', 'run', ...(await instanceArgs(rState, 2))], join(dir, 'replica.log'), replicaCpus);
      await until(() => caughtUp(sock, base, names[1]), 180_000, 'replica streaming and caught up', 200);
    },
    stop: async () => { await stopProcess(replica.proc, 'SIGTERM'); children.splice(children.indexOf(replica.proc), 1); },
  };
  const bBase = await portBase(2);
  const bp = [1, 2].map((n) => ({ port: bBase + n - 1, sock: pgFolder(join(dir, `bare-w${n}`)), pgdata: join(dir, `bare-w${n}`, 'pgdata'), log: join(dir, `bare-w${n}`, 'log') }));
  pgdatas.push(...bp.map((x) => x.pgdata));
  asPostgres(join(PG_BIN, 'initdb'), ['-A', 'trust', '-E', 'UTF8', '--locale=C', '-D', bp[0].pgdata]);
  appendFileSync(join(bp[0].pgdata, 'postgresql.conf'), [...BARE_CONF, 'wal_receiver_timeout = 5s', 'wal_sender_timeout = 5s', ''].join('\n'));
  pgCtlStart(bp[0].pgdata, bp[0].port, bp[0].sock, bp[0].log, primaryCpus);
  asPostgres(join(PG_BIN, 'pgbench'), ['-q', '-i', '-s', String(SCALE), '-h', bp[0].sock, '-p', String(bp[0].port), 'postgres']);
  asPostgres(join(PG_BIN, 'pg_basebackup'), ['-h', bp[0].sock, '-p', String(bp[0].port), '-U', 'postgres', '-X', 'stream', '-c', 'fast', '-C', '-S', 'bare_standby', '-D', bp[1].pgdata]);
  appendFileSync(join(bp[1].pgdata, 'postgresql.conf'), `primary_conninfo = 'host=127.0.0.1 port=${bp[0].port} user=postgres application_name=bare-standby'\nprimary_slot_name = 'bare_standby'\n`);
  writeFileSync(join(bp[1].pgdata, 'standby.signal'), '');
  execFileSync('chown', ['-R', 'postgres:postgres', bp[1].pgdata]);
  const bareSide = {
    name: 'bare', sock: bp[0].sock, port: bp[0].port, withTps: [], withoutTps: [],
    start: async () => { pgCtlStart(bp[1].pgdata, bp[1].port, bp[1].sock, bp[1].log, replicaCpus); await until(() => caughtUp(bp[0].sock, bp[0].port, 'bare-standby'), 180_000, 'bare standby streaming and caught up', 200); },
    stop: async () => pgCtlStop(bp[1].pgdata, 'fast'),
  };
  const measure = (side, list) => { psql(side.sock, side.port, 'CHECKPOINT'); list.push(pgbench(side.sock, side.port, SECONDS, primaryCpus)); };
  // A pair with its standby running first, then stopped (even i), or the reverse (odd i); the standby is (re)started
  // and caught up before its half. The two sides take turns going first.
  const pair = async (side, i) => {
    if (i % 2 === 0) { measure(side, side.withTps); await side.stop(); measure(side, side.withoutTps); } else { measure(side, side.withoutTps); await side.start(); measure(side, side.withTps); }
  };
  await managerSide.start();
  await bareSide.start();
  for (let i = 0; i < RUNS; i++) {
    for (const side of i % 2 === 0 ? [managerSide, bareSide] : [bareSide, managerSide]) await pair(side, i);
    const line = (x) => `${x.name} ${x.withTps.at(-1).toFixed(0)}/${x.withoutTps.at(-1).toFixed(0)} tps (${(x.withTps.at(-1) / x.withoutTps.at(-1)).toFixed(3)}x)`;
    console.log(`writes pair ${i}, with a replica/without: ${line(managerSide)}, ${line(bareSide)}, load ${load()}`);
  }
  if (replica.proc.exitCode === null) await managerSide.stop();
  await bareSide.stop();
  const summary = (x) => { const r = x.withTps.map((w, i) => w / x.withoutTps[i]); return { withReplicaTps: stats(x.withTps), withoutTps: stats(x.withoutTps), ratio: +median(r).toFixed(3), ratios: stats(r, 3) }; };
  out.writes = { seconds: SECONDS, manager: summary(managerSide), bare: summary(bareSide),
    managerToBareWithReplica: +(median(managerSide.withTps) / median(bareSide.withTps)).toFixed(3), managerToBareWithout: +(median(managerSide.withoutTps) / median(bareSide.withoutTps)).toFixed(3) };
  pgCtlStop(bp[0].pgdata, 'fast');
  await stopProcess(primary.proc, 'SIGTERM');
  out.loadAtEnd = load();
  console.log(JSON.stringify(out));
} finally {
  cleanup(pgdatas);
  if (!KEEP) rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
}
