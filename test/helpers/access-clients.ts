// Real clients for the access tests: psql, pg_basebackup and openssl, run with argv arrays and a deadline,
// with PGPASSFILE pointed at nothing unless a test passes one (so ~/.pgpass never helps a test pass).
import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PG_BIN, type ManagerHandle } from './manager.js';

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a program to completion (never throws on a non-zero exit). */
export function run(cmd: string, args: string[], env: Record<string, string> = {}, input?: string): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = execFile(
      cmd,
      args,
      { timeout: 20_000, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', PGPASSFILE: '/nonexistent/pgpass', PGCONNECT_TIMEOUT: '5', ...env } },
      (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
        resolve({ code, stdout: stdout.toString(), stderr: stderr.toString() });
      },
    );
    if (input !== undefined) child.stdin?.end(input);
  });
}

/** A libpq connection string to the manager's TCP port. */
export function conninfo(h: ManagerHandle, params: Record<string, string>): string {
  const quote = (v: string): string => `'${v.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
  return Object.entries({ host: 'localhost', port: String(h.port), ...params })
    .map(([k, v]) => `${k}=${quote(v)}`)
    .join(' ');
}

/** psql -At -c SQL over TCP; a password (if any) travels in PGPASSWORD, never on the command line. */
export function psql(h: ManagerHandle, params: Record<string, string>, sql: string, env: Record<string, string> = {}): Promise<RunResult> {
  return run(join(PG_BIN, 'psql'), ['-X', '-At', '-w', '-v', 'ON_ERROR_STOP=1', '-d', conninfo(h, params), '-c', sql], env);
}

/** pg_basebackup into `target` (no WAL, fast checkpoint). */
export function basebackup(h: ManagerHandle, params: Record<string, string>, target: string): Promise<RunResult> {
  return run(join(PG_BIN, 'pg_basebackup'), ['-w', '-X', 'none', '-c', 'fast', '-d', conninfo(h, params), '-D', target]);
}

/** SHA-256 fingerprint of the certificate the server presents (openssl s_client -starttls postgres). */
export async function servedFingerprint(h: ManagerHandle): Promise<string> {
  const hello = await run('openssl', ['s_client', '-starttls', 'postgres', '-connect', `127.0.0.1:${h.port}`, '-servername', 'localhost'], {}, '');
  const pem = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(hello.stdout)?.[0];
  if (!pem) throw new Error(`openssl s_client got no certificate: ${hello.stderr.slice(-500)}`);
  const fp = await run('openssl', ['x509', '-noout', '-fingerprint', '-sha256'], {}, pem);
  return fp.stdout.trim().replace(/^.*=/, '');
}

/** SHA-256 fingerprint of a PEM certificate, by openssl. */
export async function pemFingerprint(pem: string): Promise<string> {
  return (await run('openssl', ['x509', '-noout', '-fingerprint', '-sha256'], {}, pem)).stdout.trim().replace(/^.*=/, '');
}

/** Makes a CA and a streaming_replica client certificate with openssl alone, in `dir` (a foreign CA). */
export async function opensslForeignClient(dir: string): Promise<{ cert: string; key: string }> {
  mkdirSync(dir, { recursive: true });
  const p = (f: string): string => join(dir, f);
  const steps: string[][] = [
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', p('ca.key'), '-out', p('ca.crt'), '-days', '2', '-subj', '/CN=foreign-ca'],
    ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', p('client.key'), '-out', p('client.csr'), '-subj', '/CN=streaming_replica'],
    ['x509', '-req', '-in', p('client.csr'), '-CA', p('ca.crt'), '-CAkey', p('ca.key'), '-CAcreateserial', '-out', p('client.crt'), '-days', '2'],
  ];
  for (const args of steps) {
    const r = await run('openssl', args);
    if (r.code !== 0) throw new Error(`openssl ${args[0] ?? ''} failed: ${r.stderr}`);
  }
  await run('chmod', ['600', p('client.key')]);
  return { cert: p('client.crt'), key: p('client.key') };
}
