// Runs the compiled manager to completion (for inputs it must refuse) and captures its exit and output.
import { spawn } from 'node:child_process';
import { MAIN_JS } from './manager.js';

export interface ExitResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** The non-empty lines of stderr. */
  stderrLines: string[];
}

/** Spawns `node dist/bundle/main.js ...args` in `cwd` and waits for it to exit (SIGKILL after `timeoutMs`). */
export function runManagerToExit(args: readonly string[], cwd: string, timeoutMs = 30_000): Promise<ExitResult> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [MAIN_JS, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PGDATA: '' } });
    let stdout = '';
    let stderr = '';
    proc.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    proc.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
    proc.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    proc.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, stderrLines: stderr.split('\n').filter((l) => l.trim() !== '') });
    });
  });
}
