// Helpers for the config, bad-input and logs tests: directory snapshots (to prove nothing was written),
// atomic manifest edits, superuser queries over the socket and deadline-bound polling.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PG_BIN, processesMentioning, type LogLine, type ManagerHandle } from './manager.js';

export interface SnapshotOptions {
  /** Relative paths (or prefixes ending in '/') whose contents are not compared (e.g. pg_wal/). */
  ignore?: readonly string[];
  /** Also record file mtimes (default true). */
  mtimes?: boolean;
}

/** Describes every entry under `root` (type, mode, owner; size, mtime and sha256 of regular files). */
export function snapshotTree(root: string, options: SnapshotOptions = {}): Map<string, string> {
  const out = new Map<string, string>();
  const ignored = (rel: string): boolean => (options.ignore ?? []).some((i) => (i.endsWith('/') ? `${rel}/`.startsWith(i) : rel === i));
  const walk = (dir: string): void => {
    let entries: string[];
    try {
      entries = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of entries.sort()) {
      const path = join(dir, name);
      const rel = relative(root, path);
      if (ignored(rel)) continue;
      const st = lstatSync(path);
      const kind = st.isDirectory() ? 'd' : st.isFile() ? 'f' : st.isFIFO() ? 'p' : st.isSymbolicLink() ? 'l' : 'o';
      let desc = `${kind} ${(st.mode & 0o7777).toString(8)} ${st.uid}:${st.gid}`;
      if (kind === 'f') {
        const sha = createHash('sha256').update(readFileSync(path)).digest('hex');
        desc += ` ${st.size} ${sha}${options.mtimes === false ? '' : ` ${st.mtimeMs}`}`;
      }
      out.set(rel, desc);
      if (kind === 'd') walk(path);
    }
  };
  walk(root);
  return out;
}

/** The entries that differ between two snapshots, for a readable assertion message. */
export function diffSnapshots(before: Map<string, string>, after: Map<string, string>): string[] {
  const diffs: string[] = [];
  for (const [k, v] of before) if (after.get(k) !== v) diffs.push(`${k}: ${v} -> ${after.get(k) ?? '(gone)'}`);
  for (const [k, v] of after) if (!before.has(k)) diffs.push(`${k}: (new) ${v}`);
  return diffs;
}

/** Replaces a file atomically, so the manager's poll never reads half a manifest. */
export function writeFileAtomicForTest(path: string, text: string): void {
  const temp = `${path}.tmp-${process.pid}`;
  writeFileSync(temp, text);
  renameSync(temp, path);
}

/** A predicate matching only lines logged after this call (waitForLine also searches old lines). */
export function after(h: ManagerHandle, pred: (l: LogLine) => boolean): (l: LogLine) => boolean {
  const from = h.lines.length;
  return (l) => h.lines.indexOf(l) >= from && pred(l);
}

/** Polls `fn` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function waitUntil<T>(fn: () => T | undefined | Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError instanceof Error ? `: ${lastError.message}` : ''}`);
    }
    await sleep(50);
  }
}

/** Runs one SQL statement as the postgres superuser over the Unix socket (peer auth), returning psql -At output. */
export function superuserQuery(h: ManagerHandle, sql: string, database = 'postgres'): Promise<string> {
  const socketDir = join(h.stateDir, 'controller', 'run');
  const args = ['-u', 'postgres', '--', join(PG_BIN, 'psql'), '-X', '-At', '-v', 'ON_ERROR_STOP=1', '-h', socketDir, '-p', String(h.port), '-d', database, '-c', sql];
  return new Promise((resolve, reject) => {
    execFile('runuser', args, { timeout: 10_000, cwd: '/' }, (err, stdout, stderr) => {
      if (err) reject(new Error(`psql failed: ${stderr || err.message}`));
      else resolve(stdout.trim());
    });
  });
}

/** The value of the last line of PGDATA/custom.conf (`cnpg.config_sha256 = '<hex>'`). */
export function customConfSha(pgData: string): string {
  const lines = readFileSync(join(pgData, 'custom.conf'), 'utf8').trimEnd().split('\n');
  const m = /^cnpg\.config_sha256 = '([0-9a-f]{64})'$/.exec(lines[lines.length - 1] ?? '');
  if (!m?.[1]) throw new Error(`last line of custom.conf is not the checksum: ${lines[lines.length - 1] ?? ''}`);
  return m[1];
}

/** SIGKILLs whatever still mentions `dir` (a failed test must not leave a postgres behind). */
export function killLeftovers(dir: string): number[] {
  const pids = processesMentioning(dir).filter((p) => p !== process.pid);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  return pids;
}
