// The settings of a bootstrap recovery (CNPG pkg/management/postgres/restore.go writeRecoveryConfiguration,
// api/v1 cluster_funcs.go BuildPostgresOptions): written to override.conf, which postgresql.conf includes
// last, so they win over custom.conf; override.conf is emptied again once the recovery has finished.
// https://www.postgresql.org/docs/15/runtime-config-wal.html#RUNTIME-CONFIG-WAL-RECOVERY-TARGET
import type { RecoveryTarget } from '../spec/cluster.js';
import { renderConfLine } from './conf-literal.js';

/** The five settings a hot standby needs at least as high as the primary's (pg_controldata's names -> GUCs). */
export const HOT_STANDBY_SETTINGS: readonly [string, string][] = [
  ['max_connections setting', 'max_connections'],
  ['max_wal_senders setting', 'max_wal_senders'],
  ['max_worker_processes setting', 'max_worker_processes'],
  ['max_prepared_xacts setting', 'max_prepared_transactions'],
  ['max_locks_per_xact setting', 'max_locks_per_transaction'],
];

/** targetTime as PostgreSQL reads it: RFC 3339 (with or without a zone, UTC then) -> `YYYY-MM-DD HH:MM:SS.ffffff+00:00`. */
export function recoveryTime(text: string): string {
  const zoned = /(Z|[+-]\d{2}:?\d{2})$/i.test(text) ? text : `${text}Z`;
  const d = new Date(zoned);
  const micros = /\.(\d+)/.exec(text)?.[1]?.padEnd(6, '0').slice(0, 6) ?? '000000';
  return `${d.toISOString().slice(0, 19).replace('T', ' ')}.${micros}+00:00`;
}

export interface RecoveryConfInput {
  restoreCommand: string;
  target?: RecoveryTarget;
  /** The hot-standby settings raised to at least the backup's values (from pg_controldata). */
  hotStandby: Readonly<Record<string, string>>;
}

/** override.conf for the recovery: archiving off, the hot-standby floor, the target, promote at the end. */
export function renderRecoveryConf(input: RecoveryConfInput): string {
  const s = new Map<string, string>();
  // Archiving is suspended while WAL is replayed; the real command comes back with the regular configuration
  // after the promotion. CNPG writes archive_command = 'false', but then the promotion's history file and
  // partial segment fail 3 times, 1 s apart, in the archiver's last round at the stop (PostgreSQL's pgarch.c
  // NUM_ARCHIVE_RETRIES): ~3 s more per restore. An empty archive_command with archive_mode on keeps them
  // `.ready` for that real command the same way, and the archiver skips them at once
  // (https://www.postgresql.org/docs/15/runtime-config-wal.html#GUC-ARCHIVE-COMMAND).
  s.set('archive_command', '');
  for (const [k, v] of Object.entries(input.hotStandby)) s.set(k, v);
  s.set('restore_command', input.restoreCommand);
  s.set('recovery_target_action', 'promote');
  const t = input.target ?? {};
  if (t.targetTLI !== undefined) s.set('recovery_target_timeline', t.targetTLI);
  if (t.targetXID !== undefined) s.set('recovery_target_xid', t.targetXID);
  if (t.targetName !== undefined) s.set('recovery_target_name', t.targetName);
  if (t.targetLSN !== undefined) s.set('recovery_target_lsn', t.targetLSN);
  if (t.targetTime !== undefined) s.set('recovery_target_time', recoveryTime(t.targetTime));
  if (t.targetImmediate) s.set('recovery_target', 'immediate');
  // CNPG always writes inclusive, 'false' only with exclusive: true.
  if (t.targetXID !== undefined || t.targetName !== undefined || t.targetLSN !== undefined || t.targetTime !== undefined) {
    s.set('recovery_target_inclusive', t.exclusive ? 'false' : 'true');
  }
  return `# recovery settings of pg-instance-manager's bootstrap recovery, removed when it has finished\n${[...s].map(([k, v]) => renderConfLine(k, v)).join('')}`;
}
