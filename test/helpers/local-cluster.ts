// A `local-cluster up` of its own for a test: a temp folder, random consecutive ports for postgres, status and
// metrics (never 5432/8000/9187), the command's JSON lines followed, and psql (libpq) for the multi-host line.
import { execFile } from 'node:child_process';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { MAIN_JS, PG_BIN, followJsonLines, manifest, processesMentioning, tempDir, type JsonLineFollower } from './manager.js';
import { portBase } from './replica-pair.js';
import type { ChildProcess } from 'node:child_process';

const run = promisify(execFile);

export interface LocalCluster extends JsonLineFollower {
  proc: ChildProcess;
  name: string;
  dir: string;
  stateDir: string;
  flags: string[];
  ports: number[];
  statusPorts: number[];
  /** The libpq multi-host conninfo of the app owner, verify-full. */
  conninfo: string;
  /** Runs `local-cluster <words>` with this cluster's flags. */
  command(words: string[]): Promise<{ code: number; stdout: string }>;
  /** Runs SQL through psql on the multi-host line (or one instance's port); returns its unaligned output. */
  sql(query: string, port?: number): Promise<string>;
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts a cluster of `instances` named `name` with `extraSpec` lines; `prepare` runs on the state folder first (a Secret). */
export async function startLocalCluster(name: string, instances: number, extraSpec = '', prepare?: (stateDir: string) => void): Promise<LocalCluster> {
  const dir = tempDir('pgim-lc-');
  const stateDir = join(dir, 'state');
  prepare?.(stateDir);
  const manifestPath = join(dir, 'cluster.yaml');
  writeFileSync(manifestPath, manifest(name, `replicationSlots:\n  updateInterval: 1\n${extraSpec}`).replace('instances: 1', `instances: ${instances}`));
  const [base, statusBase, metricsBase] = [await portBase(instances), await portBase(instances), await portBase(instances)];
  const flags = ['--cluster-manifest', manifestPath, '--state-dir', stateDir, '--port', String(base), '--status-port', String(statusBase), '--metrics-port', String(metricsBase)];
  const proc = spawn(process.execPath, [MAIN_JS, 'local-cluster', 'up', ...flags], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PGDATA: '' } });
  const follower = followJsonLines(proc);
  const ports = Array.from({ length: instances }, (_, i) => base + i);
  const statusPorts = Array.from({ length: instances }, (_, i) => statusBase + i);
  const secret = (s: string, k: string): string => readFileSync(join(stateDir, 'secrets', `${name}-${s}`, k), 'utf8');
  const conninfo = (port?: number): string =>
    `host=${ports.map(() => 'localhost').join(',')} port=${port === undefined ? ports.join(',') : String(port)} target_session_attrs=${port === undefined ? 'read-write' : 'any'} ` +
    `dbname=app user=app sslmode=verify-full sslrootcert=${join(stateDir, 'secrets', `${name}-ca`, 'ca.crt')} connect_timeout=3`;
  return {
    ...follower,
    proc,
    name,
    dir,
    stateDir,
    flags,
    ports,
    statusPorts,
    get conninfo() {
      return conninfo();
    },
    async command(words) {
      try {
        const { stdout } = await run(process.execPath, [MAIN_JS, 'local-cluster', ...words, ...flags], { timeout: 180_000 });
        return { code: 0, stdout };
      } catch (err) {
        const e = err as { code?: number; stdout?: string };
        return { code: e.code ?? 1, stdout: e.stdout ?? '' };
      }
    },
    async sql(query, port) {
      const host = port === undefined ? conninfo() : conninfo(port).replace(/host=[^ ]+/, 'host=localhost');
      const { stdout } = await run(join(PG_BIN, 'psql'), ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-c', query, host], {
        env: { ...process.env, PGPASSWORD: secret('app', 'password') },
        timeout: 30_000,
      });
      return stdout.trim();
    },
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGINT');
      // The managers run in their own process groups: if the command has to be killed, so are they.
      const timer = setTimeout(() => {
        proc.kill('SIGKILL');
        for (const pid of processesMentioning(dir)) process.kill(pid, 'SIGKILL');
      }, 90_000);
      const result = await follower.exited;
      clearTimeout(timer);
      return result;
    },
  };
}

/** The status file's content. */
export function clusterStatus(c: LocalCluster): Record<string, unknown> {
  try {
    return JSON.parse(readFileSync(join(c.stateDir, 'status.json'), 'utf8')) as Record<string, unknown>;
  } catch {
    return {};
  }
}

/** The pids of instance `n`'s manager (from the command's log) and postmaster (postmaster.pid). */
export function instancePids(c: LocalCluster, n: number): { manager: number; postmaster: number } {
  const started = c.lines.filter((l) => l.msg === 'instance manager started' && l.instance === `${c.name}-${n}`).at(-1);
  const pidFile = readFileSync(join(c.stateDir, `${c.name}-${n}`, 'pgdata', 'postmaster.pid'), 'utf8');
  return { manager: Number(started?.pid), postmaster: Number(pidFile.split('\n')[0]) };
}
