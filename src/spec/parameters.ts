// The PostgreSQL parameters a Cluster may not set: CNPG's FixedConfigurationParameters (the operator or the
// instance manager owns them) and BlockedConfigurationParameters (they would break the container layout).
// Lists copied verbatim from CNPG's pkg/postgres/configuration.go
// (https://github.com/cloudnative-pg/cloudnative-pg/blob/main/pkg/postgres/configuration.go).

/** Parameters whose value the manager controls; the CNPG webhook rejects them in spec.postgresql.parameters. */
export const FIXED_PARAMETERS: readonly string[] = Object.freeze([
  'archive_mode',
  'cluster_name',
  'port',
  'primary_conninfo',
  'primary_slot_name',
  'recovery_target',
  'recovery_target_action',
  'recovery_target_inclusive',
  'recovery_target_lsn',
  'recovery_target_name',
  'recovery_target_time',
  'recovery_target_timeline',
  'recovery_target_xid',
  'restore_command',
  'shared_preload_libraries',
  'temp_tablespaces',
  'archive_command',
  'pg_failover_slots.primary_dsn',
  'pg_failover_slots.standby_slot_names',
  'ssl',
  'ssl_ca_file',
  'ssl_cert_file',
  'ssl_crl_file',
  'ssl_dh_params_file',
  'ssl_key_file',
  'ssl_passphrase_command',
  'ssl_passphrase_command_supports_reload',
  'ssl_prefer_server_ciphers',
  'synchronous_standby_names',
  'synchronized_standby_slots',
]);

/** Parameters that can never be set in a Cluster (paths, logging collector, listen address...). */
export const BLOCKED_PARAMETERS: readonly string[] = Object.freeze([
  'allow_system_table_mods',
  'bonjour',
  'bonjour_name',
  'config_file',
  'data_directory',
  'data_sync_retry',
  'event_source',
  'external_pid_file',
  'hba_file',
  'hot_standby',
  'ident_file',
  'jit_provider',
  'listen_addresses',
  'logging_collector',
  'unix_socket_directories',
  'unix_socket_group',
  'unix_socket_permissions',
  'archive_cleanup_command',
  'log_destination',
  'log_directory',
  'log_file_mode',
  'log_filename',
  'log_rotation_age',
  'log_rotation_size',
  'log_truncate_on_rotation',
  'promote_trigger_file',
  'recovery_end_command',
  'recovery_min_apply_delay',
  'restart_after_crash',
  'stats_temp_directory',
  'syslog_facility',
  'syslog_ident',
  'syslog_sequence_numbers',
  'syslog_split_messages',
]);

const FIXED_SET: ReadonlySet<string> = new Set(FIXED_PARAMETERS);
const BLOCKED_SET: ReadonlySet<string> = new Set(BLOCKED_PARAMETERS);

/** How the manager treats a user-supplied parameter name. */
export type ParameterStatus = 'allowed' | 'fixed' | 'blocked';

// GUC names are case-insensitive in PostgreSQL (guc.c compares with guc_name_compare), so `PORT` must hit
// the same rule as `port`; CNPG compares the raw map key, which would let `PORT` through.
/** Classifies a parameter name as allowed, fixed (manager-owned) or blocked (never settable). */
export function checkParameter(name: string): ParameterStatus {
  const key = name.toLowerCase();
  if (FIXED_SET.has(key)) return 'fixed';
  if (BLOCKED_SET.has(key)) return 'blocked';
  return 'allowed';
}

/** True when a parameter is fixed by the manager. */
export function isFixedParameter(name: string): boolean {
  return checkParameter(name) === 'fixed';
}

/** True when a parameter is blocked outright. */
export function isBlockedParameter(name: string): boolean {
  return checkParameter(name) === 'blocked';
}

// A GUC name as postgresql.conf's lexer accepts it (src/backend/utils/misc/guc-file.l: ID or QUALIFIED_ID,
// ASCII only here). Anything else would let a map key inject text into custom.conf, so it is refused
// before any renderer sees it.
const GUC_ID = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** True when `name` is a syntactically valid PostgreSQL parameter name (plain or `class.name`). */
export function isValidParameterName(name: string): boolean {
  const parts = name.split('.');
  return parts.length <= 2 && parts.every((part) => GUC_ID.test(part));
}
