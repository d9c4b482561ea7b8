// Client side of the lifecycle tests: a writer that commits one row per transaction over TCP/TLS and
// records each id whose COMMIT was acknowledged, owner connections, and a runner for one-shot commands.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import pg from 'pg';
import { MAIN_JS, ownerConnection, type LogLine, type ManagerHandle } from './manager.js';

/** A connected owner client (TLS verify-full); errors after connect are recorded, not thrown. */
export async function ownerClient(h: ManagerHandle, errors: Error[] = []): Promise<pg.Client> {
  const client = new pg.Client(ownerConnection(h));
  client.on('error', (err) => errors.push(err));
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => undefined);
    throw err;
  }
  return client;
}

/** One statement on a fresh owner connection, which is then closed. */
export async function ownerQuery<R extends pg.QueryResultRow>(h: ManagerHandle, sql: string, params: unknown[] = []): Promise<pg.QueryResult<R>> {
  const client = await ownerClient(h);
  try {
    return await client.query<R>(sql, params);
  } finally {
    await client.end().catch(() => undefined);
  }
}

export interface Writer {
  /** Ids whose COMMIT returned successfully, in order. */
  readonly acked: number[];
  /** Set when the session failed (e.g. terminated by a shutdown or a crash). */
  readonly failure: () => Error | undefined;
  /** Resolves once `n` commits have been acknowledged (rejects if the writer ends first). */
  waitForAcked(n: number, timeoutMs?: number): Promise<void>;
  /** Resolves when the loop has ended (after stop() or a failure). */
  readonly done: Promise<void>;
  /** Asks the loop to end and closes the session. */
  stop(): Promise<void>;
}

/** Starts the writer loop on its own session: BEGIN; INSERT id; COMMIT, ids 1, 2, 3, ... */
export async function startWriter(h: ManagerHandle, table: string): Promise<Writer> {
  const errors: Error[] = [];
  const client = await ownerClient(h, errors);
  const acked: number[] = [];
  let stopped = false;
  let failure: Error | undefined;
  const waiters: { n: number; resolve: () => void; reject: (e: Error) => void }[] = [];
  const notify = (): void => {
    for (const w of [...waiters]) {
      if (acked.length >= w.n) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      } else if (stopped || failure) {
        waiters.splice(waiters.indexOf(w), 1);
        w.reject(new Error(`writer ended after ${acked.length} commits: ${failure?.message ?? 'stopped'}`));
      }
    }
  };
  const done = (async () => {
    for (let id = 1; !stopped; id++) {
      try {
        await client.query('BEGIN');
        await client.query(`INSERT INTO ${table} (id) VALUES ($1)`, [id]);
        await client.query('COMMIT');
      } catch (err) {
        if (!stopped) failure = err instanceof Error ? err : new Error(String(err));
        break;
      }
      acked.push(id);
      notify();
    }
    failure ??= errors[0];
    notify();
    await client.end().catch(() => undefined);
  })();
  return {
    acked,
    failure: () => failure,
    waitForAcked(n, timeoutMs = 10_000) {
      if (acked.length >= n) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`writer: ${acked.length}/${n} commits after ${timeoutMs} ms`)), timeoutMs);
        waiters.push({ n, resolve: () => (clearTimeout(timer), resolve()), reject: (e) => (clearTimeout(timer), reject(e)) });
        notify();
      });
    },
    done,
    async stop() {
      stopped = true;
      await done;
    },
  };
}

/** Ids present in `table`, read on a fresh owner connection. */
export async function idsIn(h: ManagerHandle, table: string): Promise<Set<number>> {
  const result = await ownerQuery<{ id: string }>(h, `SELECT id FROM ${table}`);
  return new Set(result.rows.map((r) => Number(r.id)));
}

export interface CommandResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  lines: LogLine[];
  stderr: string;
}

/** Runs a one-shot manager command (e.g. `instance init`) with the harness's flags and waits for its exit (and the end of its output). */
export async function runManagerCommand(command: readonly string[], h: Pick<ManagerHandle, 'dir' | 'port'>, timeoutMs = 60_000): Promise<CommandResult> {
  const args = [MAIN_JS, ...command, '--cluster-manifest', join(h.dir, 'cluster.yaml'), '--state-dir', join(h.dir, 'state'), '--port', String(h.port)];
  const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PGDATA: '' } });
  let stdout = '';
  let stderr = '';
  proc.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  proc.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((res) => proc.once('close', (c: number | null, s: NodeJS.Signals | null) => res([c, s])));
  clearTimeout(timer);
  const lines = stdout
    .split('\n')
    .filter((t) => t.trim() !== '')
    .map((t): LogLine => {
      try {
        return JSON.parse(t) as LogLine;
      } catch {
        return { msg: t, unparsed: true };
      }
    });
  return { code, signal, lines, stderr };
}

/** A manifest whose spec holds exactly the given lines (the harness's manifest() fixes the timeouts). */
export function lifecycleManifest(name: string, smartShutdownTimeout: number, stopDelay = 30): string {
  return ['apiVersion: postgresql.cnpg.io/v1', 'kind: Cluster', 'metadata:', `  name: ${name}`, 'spec:', '  instances: 1', `  smartShutdownTimeout: ${smartShutdownTimeout}`, `  stopDelay: ${stopDelay}`].join('\n') + '\n';
}
