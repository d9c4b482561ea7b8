// pg_controldata, logged when the postmaster starts or dies unexpectedly (CNPG logs it as logger "pg_controldata").
import { join } from 'node:path';
import type { ChildRegistry } from './child-registry.js';
import { runToCompletion } from './run-to-completion.js';
import { postgresEnv } from './spawn.js';

/** The fields worth a log line after a crash, parsed from `pg_controldata` output. */
export const SUMMARY_FIELDS = [
  'Database cluster state',
  'Latest checkpoint location',
  "Latest checkpoint's TimeLineID",
  'Time of latest checkpoint',
  'Database system identifier',
] as const;

/** Parses `Key:   value` lines of pg_controldata into a map. */
export function parseControlData(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
     
    out[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
  }
  return out;
}

/** Runs pg_controldata (bounded) and returns its raw text, or an error string. */
export async function readControlData(pgBin: string, pgData: string, registry: ChildRegistry): Promise<{ text: string; ok: boolean }> {
  try {
    const r = await runToCompletion(join(pgBin, 'pg_controldata'), [pgData], { registry, timeoutMs: 5000, env: postgresEnv() });
    return r.exitCode === 0 ? { text: r.stdout, ok: true } : { text: r.stderr.trim(), ok: false };
  } catch (err) {
    return { text: (err as Error).message, ok: false };
  }
}

/** A small summary object for one log line. */
export function summarise(text: string): Record<string, string> {
  const all = parseControlData(text);
  const summary: Record<string, string> = {};
  for (const key of SUMMARY_FIELDS) {
    // eslint-disable-next-line security/detect-object-injection -- fixed keys
    if (all[key] !== undefined) summary[key] = all[key];
  }
  return summary;
}
