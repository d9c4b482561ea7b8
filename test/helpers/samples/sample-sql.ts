// SQL against a running sample, as the tests' client: psql run as the `postgres` OS user over the instance's
// Unix socket (peer authentication, as CNPG's own `local` rule allows), or over TCP with a user's password or
// certificate. Asynchronous (execFile), because two samples run side by side in one test process.
import { execFile } from 'node:child_process';

export interface SqlTarget {
  socketDir: string;
  port: number;
}

/** Runs `sql` in `db` as postgres; resolves with psql's unaligned, tuples-only output (trimmed). */
export function sql(t: SqlTarget, db: string, text: string, timeoutMs = 30_000): Promise<string> {
  const args = ['-u', 'postgres', '--', 'psql', '-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1', '-h', t.socketDir, '-p', String(t.port), '-d', db, '-c', text];
  return run('runuser', args, {}, timeoutMs);
}

/** One JSON value from `SELECT <json expression>` (e.g. `json_agg(...)`), parsed. */
export async function sqlJson<T>(t: SqlTarget, db: string, jsonSelect: string): Promise<T> {
  const out = await sql(t, db, jsonSelect);
  return JSON.parse(out === '' ? 'null' : out) as T;
}

/** psql over TCP with a libpq connection string (password in PGPASSWORD, never in argv); the output. */
export function sqlOverTcp(conninfo: string, text: string, password?: string, timeoutMs = 30_000): Promise<string> {
  return run('psql', ['-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1', '-d', conninfo, '-c', text], password === undefined ? {} : { PGPASSWORD: password }, timeoutMs);
}

function run(cmd: string, args: string[], env: Record<string, string>, timeoutMs: number): Promise<string> {
  // The test process's PG* variables would become libpq defaults: psql gets only what we mean.
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^PG[A-Z]/.test(k)));
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { env: { ...clean, ...env }, timeout: timeoutMs, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) reject(new Error(`psql: ${stderr.trim() || err.message}`));
      else resolve(stdout.trim());
    });
  });
}
