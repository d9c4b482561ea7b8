// Maps csvlog fields to CNPG's JSON `record` object, and pgaudit messages to `record.audit`.
// Field order: PostgreSQL docs "Using CSV-Format Log Output" (runtime-config-logging.html#RUNTIME-CONFIG-LOGGING-CSVLOG);
// CNPG pkg/management/postgres/logpipe/{loggingCollector,pgaudit}.go.
import { parseCsvText } from './csv-parser.js';
import { scrubRecord } from './scrub-secrets.js';
import type { LogLevel } from '../config/log-levels.js';

export const CSV_FIELD_NAMES = [
  'log_time',
  'user_name',
  'database_name',
  'process_id',
  'connection_from',
  'session_id',
  'session_line_num',
  'command_tag',
  'session_start_time',
  'virtual_transaction_id',
  'transaction_id',
  'error_severity',
  'sql_state_code',
  'message',
  'detail',
  'hint',
  'internal_query',
  'internal_query_pos',
  'context',
  'query',
  'query_pos',
  'location',
  'application_name',
  'backend_type', // PG13+
  'leader_pid', // PG14+
  'query_id', // PG14+
] as const;

export type CsvFieldName = (typeof CSV_FIELD_NAMES)[number];

/** 23 fields up to PG12, 24 in PG13, 26 from PG14 on. */
export const VALID_FIELD_COUNTS: readonly number[] = [23, 24, 26];

export const AUDIT_FIELD_NAMES = [
  'audit_type',
  'statement_id',
  'substatement_id',
  'class',
  'command',
  'object_type',
  'object_name',
  'statement',
  'parameter',
  'rows', // only with pgaudit.log_rows=on
] as const;

export type AuditFieldName = (typeof AUDIT_FIELD_NAMES)[number];
export type AuditRecord = { [K in AuditFieldName]?: string };
export type PostgresRecord = { [K in CsvFieldName]?: string } & { audit?: AuditRecord };

export type MappedRecord =
  | { kind: 'record'; logger: 'postgres' | 'pgaudit'; level: LogLevel; record: PostgresRecord }
  | { kind: 'invalid'; got: number; expected: readonly number[]; fields: string[] };

/** Maps a csvlog error_severity to our log level; unknown severities are logged at info. */
export function severityToLevel(severity: string | undefined): LogLevel {
  switch (severity) {
    case 'ERROR':
    case 'FATAL':
    case 'PANIC':
      return 'error';
    case 'WARNING':
      return 'warning';
    default:
      return severity?.startsWith('DEBUG') ? 'debug' : 'info';
  }
}

// Every key is omitempty, as in CNPG: an empty CSV field is not written at all.
function pick<K extends string>(names: readonly K[], values: readonly string[]): { [P in K]?: string } {
  const entries = names.flatMap((name, i) => {
    const v = values.at(i);
    return v === undefined || v === '' ? [] : [[name, v] as const];
  });
  return Object.fromEntries(entries) as { [P in K]?: string };
}

const AUDIT_PREFIX = /^([a-zA-Z]+): (.*)$/s;

/** The pgaudit fields of a message `AUDIT: <csv>`, or undefined when it is not a well-formed audit line. */
export function parseAuditMessage(message: string | undefined): AuditRecord | undefined {
  const m = message === undefined ? null : AUDIT_PREFIX.exec(message);
  if (!m || m[1] !== 'AUDIT') return undefined;
  const records = parseCsvText(m[2] ?? '');
  const only = records[0];
  if (records.length !== 1 || !only || only.truncated) return undefined;
  if (only.fields.length !== 9 && only.fields.length !== 10) return undefined;
  return pick(AUDIT_FIELD_NAMES, only.fields);
}

/** Turns one record's fields into the JSON record, without any field-count check. */
export function toPostgresRecord(fields: readonly string[]): Omit<Extract<MappedRecord, { kind: 'record' }>, 'kind'> {
  const record: PostgresRecord = scrubRecord(pick(CSV_FIELD_NAMES, fields));
  const level = severityToLevel(record.error_severity);
  const audit = parseAuditMessage(record.message);
  if (!audit) return { logger: 'postgres', level, record };
  delete record.message;
  record.audit = audit;
  return { logger: 'pgaudit', level, record };
}

/**
 * Remembers the field count of the first valid record of a stream: the layout depends on the
 * server's major version and never changes while the same postmaster writes into the FIFO.
 */
export class CsvLogLayout {
  private fieldCount: number | undefined;

  /** Maps one parsed record; a count mismatch yields `invalid` so the caller can log it raw. */
  map(fields: string[], truncated = false): MappedRecord {
    if (truncated) return { kind: 'record', ...toPostgresRecord(fields) };
    const expected = this.fieldCount === undefined ? VALID_FIELD_COUNTS : [this.fieldCount];
    if (!expected.includes(fields.length)) {
      return { kind: 'invalid', got: fields.length, expected, fields };
    }
    this.fieldCount = fields.length;
    return { kind: 'record', ...toPostgresRecord(fields) };
  }

  /** Forget the layout, e.g. when the FIFO is reopened for a new postmaster. */
  reset(): void {
    this.fieldCount = undefined;
  }
}
