// Scraping the metrics endpoint from tests: one GET (plain or TLS 1.3), the samples as a map, and promtool.
import { spawnSync } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface Scrape {
  status: number;
  contentType: string;
  body: string;
  ms: number;
}

/** GET http(s)://127.0.0.1:<port><path>; with `ca`, over TLS 1.3 verifying the server as `localhost`. */
export function scrape(port: number, options: { path?: string; method?: string; ca?: string; maxVersion?: 'TLSv1.2' | 'TLSv1.3'; timeoutMs?: number } = {}): Promise<Scrape> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const common = { host: '127.0.0.1', port, path: options.path ?? '/metrics', method: options.method ?? 'GET', timeout: options.timeoutMs ?? 30_000, agent: false as const };
    const onResponse = (res: import('node:http').IncomingMessage): void => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), body, ms: performance.now() - started }));
      res.on('error', reject);
    };
    const req = options.ca
      ? httpsRequest({ ...common, ca: options.ca, servername: 'localhost', minVersion: 'TLSv1.2', maxVersion: options.maxVersion ?? 'TLSv1.3' }, onResponse)
      : httpRequest(common, onResponse);
    req.on('timeout', () => req.destroy(new Error(`no answer within ${options.timeoutMs ?? 30_000} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/** `name{labels}` -> value text, for every sample line. */
export function samples(body: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of body.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    out.set(line.slice(0, at), line.slice(at + 1));
  }
  return out;
}

// CNPG names the label of cnpg_errors_total `errorUserQueries` (the contract we keep); promtool's linter flags
// that camelCase label name (exit 3). It is a lint finding, not a parse error: Prometheus ingests it.
const CNPG_CAMEL_CASE_LABEL = "cnpg_errors_total label names should be written in 'snake_case' not 'camelCase'";

/**
 * Runs `promtool check metrics` on the text (undefined when promtool is missing). `ok` when it passes, or
 * when its only finding is CNPG's camelCase label on cnpg_errors_total; `output` is everything it printed.
 */
export function promtoolCheck(body: string): { ok: boolean; output: string } | undefined {
  if (spawnSync('promtool', ['--version']).status !== 0) return undefined;
  const r = spawnSync('promtool', ['check', 'metrics'], { input: body, encoding: 'utf8' });
  const output = `${r.stdout}${r.stderr}`;
  const findings = output.split('\n').map((l) => l.trim()).filter((l) => l !== '' && l !== CNPG_CAMEL_CASE_LABEL);
  return { ok: r.status === 0 || (r.status === 3 && findings.length === 0), output };
}

/** Median and 99th percentile of a list of durations. */
export function percentiles(values: readonly number[]): { median: number; p99: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN;
  return { median: at(0.5), p99: at(0.99) };
}
