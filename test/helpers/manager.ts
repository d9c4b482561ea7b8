// Test harness: runs the compiled manager as a real child process against a temp state dir, collects its
// JSON log lines, and waits on them with deadlines (never fixed sleeps).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, chmodSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { managerEntry } from './launch.js';
import { claimPort } from './port-claims.js';

export { MAIN_JS, REPO_ROOT } from './paths.js';
export const PG_BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';

export type LogLine = Record<string, unknown> & { msg?: string; level?: string; logger?: string };

// Ports are drawn below Linux's ephemeral range (ip_local_port_range, 32768-60999 by default): a port the
// kernel picked with listen(0) and we released could be handed out again as the source port of any outgoing
// loopback connection before the manager binds it (CI saw EADDRINUSE that way). 20000-25999 also stays clear
// of the benches' defaults (26432+, 27432+, 27532+).
const PORT_FIRST = 20_000;
const PORT_COUNT = 6_000;
const handedOut = new Set<number>();

function canListen(port: number, host: string): Promise<boolean> {
  return new Promise((res) => {
    const s = createServer();
    s.once('error', () => res(false));
    s.listen({ port, host, exclusive: true }, () => s.close(() => res(true)));
  });
}

/** A free TCP port (on every address, so also on 127.0.0.1), not handed out before by this process. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = PORT_FIRST + Math.floor(Math.random() * PORT_COUNT);
    if (handedOut.has(port)) continue;
    if ((await canListen(port, '0.0.0.0')) && claimPort(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error(`no free TCP port found in ${PORT_FIRST}-${PORT_FIRST + PORT_COUNT - 1}`);
}

// Every folder tempDir made goes when the test file's process exits (PGIM_KEEP_TEST_DIRS=1 keeps them, to look
// at after a failure): files that forgot theirs, or did not reach their `after`, left up to 145 MB each (an
// object store's data) in /tmp, run after run, until a shared machine's disk was full.
const made: string[] = [];
process.once('exit', () => {
  if (process.env.PGIM_KEEP_TEST_DIRS === '1') return;
  for (const dir of made) {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // best effort: a folder still being written by a child that outlived the test
    }
  }
});

/** A temp directory every user can traverse (the manager drops to `postgres` when started as root); removed at exit. */
export function tempDir(prefix = 'pgim-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(dir, 0o755);
  made.push(dir);
  return dir;
}

/** A minimal Cluster manifest with overrides spliced into `spec`. */
export function manifest(name: string, specYaml = ''): string {
  return [
    'apiVersion: postgresql.cnpg.io/v1',
    'kind: Cluster',
    'metadata:',
    `  name: ${name}`,
    'spec:',
    '  instances: 1',
    '  smartShutdownTimeout: 5',
    '  stopDelay: 30',
    ...specYaml.split('\n').filter((l) => l.trim() !== '').map((l) => `  ${l}`),
  ].join('\n') + '\n';
}

export interface ManagerHandle {
  proc: ChildProcess;
  dir: string;
  stateDir: string;
  manifestPath: string;
  port: number;
  /** The status server's port (a free one unless extraArgs names --status-port). */
  statusPort: number;
  /** The metrics server's port (a free one unless extraArgs names --metrics-port). */
  metricsPort: number;
  lines: LogLine[];
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  waitForLine(pred: (l: LogLine) => boolean, timeoutMs?: number, what?: string): Promise<LogLine>;
  /** SIGTERM and wait for exit. */
  stop(timeoutMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface StartOptions {
  dir?: string;
  manifestText?: string;
  port?: number;
  extraArgs?: string[];
  env?: Record<string, string>;
  /** Wrap the command (e.g. ['unshare', '--pid', '--fork', '--mount-proc']). */
  prefix?: string[];
  /** Node options before the entry point (e.g. ['--import', preload]). */
  nodeArgs?: string[];
}

/** Starts `instance run` with the embedded default in `dir` (a new temp dir by default). */
export async function startManager(options: StartOptions = {}): Promise<ManagerHandle> {
  const dir = options.dir ?? tempDir();
  const stateDir = join(dir, 'state');
  const manifestPath = join(dir, 'cluster.yaml');
  if (options.manifestText !== undefined || !safeExists(manifestPath)) {
    writeFileSync(manifestPath, options.manifestText ?? manifest('t1'));
  }
  const port = options.port ?? (await freePort());
  // Every manager serves :8000 by default: tests running side by side each get their own status port.
  // The same for :9187.
  const extra = options.extraArgs ?? [];
  const ownPort = async (flag: string): Promise<{ port: number; args: string[] }> => {
    const named = extra.indexOf(flag);
    if (named >= 0) return { port: Number(extra[named + 1]), args: [] };
    const free = await freePort();
    return { port: free, args: [flag, String(free)] };
  };
  const status = await ownPort('--status-port');
  const metrics = await ownPort('--metrics-port');
  const statusPort = status.port;
  const args = [...managerEntry(options.nodeArgs), 'instance', 'run', '--cluster-manifest', manifestPath, '--state-dir', stateDir, '--port', String(port), ...status.args, ...metrics.args, ...extra];
  const argv = [...(options.prefix ?? []), process.execPath, ...args];
  const [cmd, ...rest] = argv as [string, ...string[]];
  const proc = spawn(cmd, rest, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PGDATA: '', ...options.env } });
  const output = followJsonLines(proc);
  const { lines, exited } = output;
  const handle: ManagerHandle = {
    proc,
    dir,
    stateDir,
    manifestPath,
    port,
    statusPort,
    metricsPort: metrics.port,
    lines,
    stderr: output.stderr,
    exited,
    waitForLine: output.waitForLine,
    async stop(timeoutMs = 60_000) {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
  return handle;
}

function safeExists(p: string): boolean {
  try {
    readFileSync(p);
    return true;
  } catch {
    return false;
  }
}

/** Reads one key of a Secret from the state dir's secrets folder. */
export function secretValue(stateDir: string, secret: string, key: string): string {
  return readFileSync(join(stateDir, 'secrets', secret, key), 'utf8');
}

/** Connection settings for the application owner over TCP with verify-full TLS. */
export function ownerConnection(h: ManagerHandle, cluster = 't1'): Record<string, unknown> {
  return {
    host: '127.0.0.1',
    port: h.port,
    user: secretValue(h.stateDir, `${cluster}-app`, 'username'),
    password: secretValue(h.stateDir, `${cluster}-app`, 'password'),
    database: secretValue(h.stateDir, `${cluster}-app`, 'dbname'),
    ssl: { ca: secretValue(h.stateDir, `${cluster}-ca`, 'ca.crt'), servername: 'localhost', minVersion: 'TLSv1.3' },
    connectionTimeoutMillis: 5000,
  };
}

/** Pids of processes whose command line mentions `needle` (e.g. the temp dir), excluding zombies. */
export function processesMentioning(needle: string): number[] {
  const out: number[] = [];
  for (const entry of readdirSafe('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmd.includes(needle)) out.push(Number(entry));
    } catch {
      // gone
    }
  }
  return out;
}

function readdirSafe(p: string): string[] {
  try {
    return readdirSyncImpl(p);
  } catch {
    return [];
  }
}
import { readdirSync as readdirSyncImpl } from 'node:fs';

/** What followJsonLines gives: the parsed stdout lines so far and a way to wait for one. */
export interface JsonLineFollower {
  lines: LogLine[];
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  waitForLine: (pred: (l: LogLine) => boolean, timeoutMs?: number, what?: string) => Promise<LogLine>;
}

/** Parses a child's stdout as JSON lines (unparsable ones kept with `unparsed`), and collects its stderr. */
export function followJsonLines(proc: ChildProcess): JsonLineFollower {
  const lines: LogLine[] = [];
  const waiters = new Set<{ pred: (l: LogLine) => boolean; resolve: (l: LogLine) => void }>();
  let buffer = '';
  let stderr = '';
  proc.stdout?.setEncoding('utf8');
  proc.stdout?.on('data', (chunk: string) => {
    buffer += chunk;
    for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
      const text = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      let line: LogLine;
      try {
        line = JSON.parse(text) as LogLine;
      } catch {
        line = { msg: text, unparsed: true };
      }
      lines.push(line);
      for (const w of [...waiters]) {
        if (!w.pred(line)) continue;
        waiters.delete(w);
        w.resolve(line);
      }
    }
  });
  proc.stderr?.setEncoding('utf8');
  proc.stderr?.on('data', (c: string) => (stderr += c));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) => proc.once('exit', (code, signal) => res({ code, signal })));
  // 'exit' can come before the last stdout chunk (a loaded machine): a waiter gives up only once stdout has ended
  // too, so the line the manager exited with (its refusal) is in `lines` by then. Bounded, in case a grandchild
  // still holds the pipe.
  const drained = exited.then(
    () =>
      new Promise<void>((res) => {
        if (!proc.stdout || proc.stdout.readableEnded) return res();
        const timer = setTimeout(res, 2000);
        proc.stdout.once('end', () => (clearTimeout(timer), res()));
      }),
  );
  return {
    lines,
    stderr: () => stderr,
    exited,
    waitForLine(pred, timeoutMs = 30_000, what = 'log line') {
      const found = lines.find(pred);
      if (found) return Promise.resolve(found);
      return new Promise((res, rej) => {
        const timer = setTimeout(() => rej(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; stderr: ${stderr.slice(-2000)}`)), timeoutMs);
        const w = { pred, resolve: (l: LogLine) => (clearTimeout(timer), res(l)) };
        waiters.add(w);
        void drained.then(() => {
          if (!waiters.delete(w)) return;
          clearTimeout(timer);
          rej(new Error(`manager exited while waiting for ${what}; stderr: ${stderr.slice(-2000)}`));
        });
      });
    },
  };
}
