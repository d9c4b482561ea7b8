// Runs pg_rewind (https://www.postgresql.org/docs/15/app-pgrewind.html) through the supervisor's execa runner
// and says what its failure means for the next step: a failure before anything in PGDATA was touched (the
// source unreachable) is worth another attempt; one after it began rewinding (CNPG #1836: PGDATA is then
// half the source's) or a WAL gap (no common history left in pg_wal) is not, and PGDATA is cloned again.
import { join } from 'node:path';
import type { ChildRegistry } from '../supervisor/child-registry.js';
import { runToCompletion } from '../supervisor/run-to-completion.js';
import { postgresEnv } from '../supervisor/spawn.js';
import { syncDataFileSystems } from './sync-file-systems.js';

export type RewindOutcome = { kind: 'done' } | { kind: 'retry'; reason: string } | { kind: 'reclone'; reason: string };

export interface RewindRun {
  pgBin: string;
  pgData: string;
  /** libpq conninfo of the new primary (the streaming_replica certificate). */
  sourceConninfo: string;
  /** --config-file, outside PGDATA. */
  configFile: string;
  /** --restore-target-wal: WAL the target no longer has comes through the config file's restore_command. */
  restoreTargetWal?: boolean;
  registry: ChildRegistry;
  signal?: AbortSignal;
  timeoutMs?: number;
  /** Each line of pg_rewind's output, as it is logged. */
  onLine: (line: string) => void;
}

// pg_rewind's own messages (src/bin/pg_rewind/pg_rewind.c): from "rewinding from last common checkpoint" on
// it writes into the target; "no rewind required" ends before that.
const STARTED_WRITING = /rewinding from last common checkpoint|reading source file list|need to copy|Done!/;
// A WAL gap: the target's WAL that pg_rewind needs to find the common checkpoint is gone.
const WAL_GAP = /could not find previous WAL record|could not open file .*pg_wal|could not find common ancestor|requested WAL segment .* has already been removed|could not read WAL record/;

// "no rewind required" exits before touching the target (pg_rewind.c), unless the target first needed its crash
// recovery in single-user mode ("executing ... to complete crash recovery"), which wrote to it.
const NOTHING_DONE = /no rewind required/;
const RECOVERED_FIRST = /crash recovery/;

/** Whether a successful run left PGDATA as it was (then there is nothing to flush to disk). */
export function rewindWroteNothing(output: string): boolean {
  return NOTHING_DONE.test(output) && !RECOVERED_FIRST.test(output) && !STARTED_WRITING.test(output);
}

/** Classifies a finished run from its exit code and output (pure, unit-tested). */
export function rewindOutcome(exitCode: number | null, output: string): RewindOutcome {
  if (exitCode === 0) return { kind: 'done' };
  const last = output.trim().split('\n').filter(Boolean).slice(-1)[0] ?? `exit code ${String(exitCode)}`;
  if (WAL_GAP.test(output)) return { kind: 'reclone', reason: `WAL gap: ${last}` };
  if (STARTED_WRITING.test(output)) return { kind: 'reclone', reason: `failed after it started rewinding: ${last}` };
  return { kind: 'retry', reason: last };
}

/** pg_rewind's argv: --no-sync, as syncDataFileSystems makes the result durable faster. */
export function rewindArgs(r: Pick<RewindRun, 'pgData' | 'sourceConninfo' | 'configFile' | 'restoreTargetWal'>): string[] {
  const args = ['--target-pgdata', r.pgData, '--source-server', r.sourceConninfo, `--config-file=${r.configFile}`, '--progress', '--no-sync'];
  return r.restoreTargetWal === true ? [...args, '--restore-target-wal'] : args;
}

/** One pg_rewind run against the new primary, then PGDATA synced to disk (when it changed). */
export async function runPgRewind(r: RewindRun): Promise<RewindOutcome> {
  const result = await runToCompletion(
    join(r.pgBin, 'pg_rewind'),
    rewindArgs(r),
    { registry: r.registry, timeoutMs: r.timeoutMs ?? 30 * 60_000, errorCode: 'PGDATA', env: postgresEnv(), signal: r.signal, maxOutputBytes: 4 * 1024 * 1024 },
  );
  const output = `${result.stdout}\n${result.stderr}`;
  // Progress lines ("123/456 kB (27%) copied") are carriage-return updates: only the last of each run is kept.
  for (const line of output.split('\n')) {
    const shown = line.split('\r').filter((s) => s.trim() !== '').slice(-1)[0];
    if (shown) r.onLine(shown.trim());
  }
  if (result.timedOut) return { kind: 'reclone', reason: 'pg_rewind timed out' };
  if (result.canceled) return { kind: 'retry', reason: 'stopped' };
  const outcome = rewindOutcome(result.exitCode, output);
  if (outcome.kind !== 'done') return outcome;
  // A clean switchover's former primary stopped where the new timeline forked: nothing was written, nothing to sync.
  if (rewindWroteNothing(output)) return outcome;
  // Not durable yet: a failed sync leaves a PGDATA that cannot be trusted after a crash, so it is cloned again.
  const synced = await syncDataFileSystems({ pgBin: r.pgBin, pgData: r.pgData, registry: r.registry, signal: r.signal }).catch((err: unknown) => err as Error);
  if (synced instanceof Error) return r.signal?.aborted ? { kind: 'retry', reason: 'stopped' } : { kind: 'reclone', reason: synced.message };
  r.onLine(`rewound PGDATA synced to disk (${synced})`);
  return outcome;
}
