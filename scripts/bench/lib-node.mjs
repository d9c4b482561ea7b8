// Helpers of the Node benchmarks (scripts/bench/replication/*.mjs, scripts/bench/backup/archive-writes.mjs): ports, waits, psql as the postgres
// user over a Unix socket (peer: the same client path for the manager's instances and the bare ones), the
// manager started as the launcher starts it (this checkout's bundle with the V8 flags the build recorded), a
// bare PostgreSQL 15 with the manager's replication settings, and the report (medians with min-max, load).
import { execFile, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export const ROOT = new URL('../../', import.meta.url).pathname;
export const MAIN = join(ROOT, 'dist/bundle/main.js');
export const PG_BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';
export const RUNS = Number(process.env.RUNS ?? 3);
const flagsFile = join(ROOT, 'dist/bundle/v8-flags');
export const V8_FLAGS = existsSync(flagsFile) ? readFileSync(flagsFile, 'utf8').trim().split(/\s+/).filter(Boolean) : [];

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const now = () => Number(process.hrtime.bigint() / 1000n) / 1000; // ms
export const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');
export const children = [];

/** A port the kernel just gave out, and `count` consecutive free ones from a base. */
export function freePort() {
  return new Promise((resolve) => { const s = createServer(); s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); }); });
}
const canListen = (port) => new Promise((res) => { const s = createServer(); s.once('error', () => res(false)); s.listen({ port, host: '0.0.0.0', exclusive: true }, () => s.close(() => res(true))); });
export async function portBase(count) {
  for (;;) { const b = await freePort(); let ok = b + count < 65000; for (let k = 1; k < count && ok; k++) ok = await canListen(b + k); if (ok) return b; }
}

/** Polls fn every `every` ms until it returns truthy; throws naming `what` at the deadline. */
export async function until(fn, ms, what, every = 20) {
  const end = Date.now() + ms;
  for (;;) { let v; try { v = await fn(); } catch { v = false; } if (v) return v; if (Date.now() > end) throw new Error(`timed out: ${what}`); await sleep(every); }
}

/** psql as postgres over the socket folder `host`; returns the trimmed output (throws on an error). */
export function psql(host, port, q, db = 'postgres') {
  return execFileSync('runuser', ['-u', 'postgres', '--', join(PG_BIN, 'psql'), '-X', '-qAt', '-v', 'ON_ERROR_STOP=1', '-h', host, '-p', String(port), '-d', db, '-c', q], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 20_000 }).trim();
}
export const asPostgres = (file, args, opts = {}) => execFileSync('runuser', ['-u', 'postgres', '--', file, ...args], { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', ...opts });
/** A committed INSERT (false when it cannot commit: down, read-only). */
export const writable = (host, port) => { try { psql(host, port, 'INSERT INTO bench_probe VALUES (now())'); return true; } catch { return false; } };

/** `[file, args]` run on the CPUs `cpus` ("0", "1", "0,1") through taskset, or as they are when `cpus` is unset. */
export const onCpus = (cpus, file, args) => (cpus ? ['taskset', ['-c', cpus, file, ...args]] : [file, args]);

/** pgbench TPC-B `-c 8 -j 2 -T seconds`: tps (on the CPUs `cpus` when given). */
export function pgbench(host, port, seconds, cpus) {
  const out = asPostgres(...onCpus(cpus, join(PG_BIN, 'pgbench'), ['-n', '-c', '8', '-j', '2', '-T', String(seconds), '-h', host, '-p', String(port), 'postgres']));
  return Number(/tps = ([0-9.]+)/.exec(out)?.[1]);
}

/** The same pgbench without blocking this process (something else is watched meanwhile). */
export function pgbenchAsync(host, port, seconds) {
  return new Promise((resolve, reject) => execFile('runuser', ['-u', 'postgres', '--', join(PG_BIN, 'pgbench'), '-n', '-c', '8', '-j', '2', '-T', String(seconds), '-h', host, '-p', String(port), 'postgres'], { encoding: 'utf8' },
    (err, stdout) => (err ? reject(err) : resolve(Number(/tps = ([0-9.]+)/.exec(stdout)?.[1])))));
}

/** Runs the manager (`args` after main.js) as the launcher does; its JSON lines are collected in `lines`. With `cpus`, it and its children (postgres) run on those CPUs only. */
export function startManager(args, logFile, cpus) {
  const proc = spawn(...onCpus(cpus, process.execPath, [...V8_FLAGS, MAIN, ...args]), { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PGDATA: '', NODE_EXTRA_CA_CERTS: '' } });
  children.push(proc);
  const lines = [];
  const out = [];
  createInterface({ input: proc.stdout }).on('line', (l) => { out.push(l); try { lines.push(JSON.parse(l)); } catch { /* not JSON */ } });
  proc.stderr.on('data', (d) => out.push(String(d)));
  proc.on('exit', () => { if (logFile) writeFileSync(logFile, out.join('\n')); });
  return { proc, lines, log: () => out.join('\n') };
}
export async function stopProcess(proc, signal = 'SIGINT') {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const gone = new Promise((r) => proc.once('exit', r));
  proc.kill(signal);
  await Promise.race([gone, sleep(90_000).then(() => proc.kill('SIGKILL'))]);
}

/** A folder postgres owns. */
export function pgFolder(path) { mkdirSync(path, { recursive: true, mode: 0o700 }); execFileSync('chown', ['postgres:postgres', path]); return path; }

/** The bare side's settings that matter for replication and speed, as the manager renders them (guc-settings.ts). */
export const BARE_CONF = ['listen_addresses = \'127.0.0.1\'', 'wal_level = logical', 'wal_log_hints = on', 'hot_standby = on', 'max_wal_senders = 10',
  'max_replication_slots = 32', 'wal_keep_size = 512MB', 'shared_buffers = 128MB', 'logging_collector = off', 'ssl = off', 'fsync = on'];

/** Starts a bare postgres on PGDATA `pgdata` with port and socket folder (on the CPUs `cpus` when given); waits until it accepts connections. */
export function pgCtlStart(pgdata, port, sockDir, logFile, cpus) {
  asPostgres(...onCpus(cpus, join(PG_BIN, 'pg_ctl'), ['-D', pgdata, '-l', logFile, '-w', '-t', '120', '-o', `-p ${port} -k ${sockDir}`, 'start']));
}
export function pgCtlStop(pgdata, mode = 'fast') { try { asPostgres(join(PG_BIN, 'pg_ctl'), ['-D', pgdata, '-w', '-m', mode, 'stop']); } catch { /* not running */ } }
export function postmasterPid(pgdata) { try { return Number(readFileSync(join(pgdata, 'postmaster.pid'), 'utf8').split('\n')[0]); } catch { return 0; } }

/** Statistics of a sample list: "median (min-max)". */
export function stats(xs, digits = 0) {
  if (xs.length === 0) return 'n/a';
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  return `${m.toFixed(digits)} (${s[0].toFixed(digits)}-${s.at(-1).toFixed(digits)})`;
}
export function median(xs) { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; }

/** Kills what is left (by the recorded child processes) and stops the bare postmasters of `pgdatas`. */
export function cleanup(pgdatas) {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const d of pgdatas) { const pid = postmasterPid(d); if (pid) try { process.kill(pid, 'SIGQUIT'); } catch { /* gone */ } }
}
