import { checkParameter } from '../spec/parameters.js';

// The parameter tables behind custom.conf: CNPG's global defaults, its fixed and blocked parameters and the
// managed preload libraries (CNPG pkg/postgres/configuration.go,
// https://github.com/cloudnative-pg/cloudnative-pg/blob/main/pkg/postgres/configuration.go).

/** Where the mandatory settings point; ours replace CNPG's /controller/... paths. */
export interface ManagedPaths {
  socketDir: string;
  logDir: string;
  certificatesDir: string;
}

/** Global defaults (5.3): written unless the user sets the parameter (and it is not fixed or blocked). */
export function globalDefaults(paths: ManagedPaths): Record<string, string> {
  return {
    archive_timeout: '5min',
    dynamic_shared_memory_type: 'posix',
    full_page_writes: 'on',
    log_destination: 'csvlog',
    log_directory: paths.logDir,
    log_filename: 'postgres',
    log_rotation_age: '0',
    log_rotation_size: '0',
    log_truncate_on_rotation: 'false',
    logging_collector: 'on',
    max_parallel_workers: '32',
    max_replication_slots: '32',
    max_worker_processes: '32',
    shared_memory_type: 'mmap',
    shared_preload_libraries: '',
    ssl_max_protocol_version: 'TLSv1.3',
    ssl_min_protocol_version: 'TLSv1.3',
    wal_keep_size: '512MB',
    wal_level: 'logical',
    wal_log_hints: 'on',
    wal_receiver_timeout: '5s',
    wal_sender_timeout: '5s',
  };
}

/** What the mandatory settings depend on besides the paths. */
export interface MandatoryInput {
  paths: ManagedPaths;
  port: number;
  listenAddresses: string;
  pgMajor: number;
  enableAlterSystem: boolean;
}

/**
 * Mandatory settings (5.4), applied over the user's. archive_mode/archive_command come from spec.backup
 * (custom-conf.ts). allow_alter_system exists from PostgreSQL 17 on, so it is only written there.
 */
export function mandatorySettings(input: MandatoryInput): Record<string, string> {
  const cert = (name: string): string => `${input.paths.certificatesDir.replace(/\/+$/, '')}/${name}`;
  const settings: Record<string, string> = {
    hot_standby: 'true',
    listen_addresses: input.listenAddresses,
    port: String(input.port),
    restart_after_crash: 'false',
    ssl: 'on',
    ssl_ca_file: cert('client-ca.crt'),
    ssl_cert_file: cert('server.crt'),
    ssl_key_file: cert('server.key'),
    unix_socket_directories: input.paths.socketDir,
  };
  if (input.pgMajor >= 17) settings.allow_alter_system = input.enableAlterSystem ? 'on' : 'off';
  return settings;
}

/** True when a parameter is fixed or blocked and must never come from the user (one list: spec/parameters.ts). */
export function isFixedOrBlocked(name: string): boolean {
  return checkParameter(name) !== 'allowed';
}

/**
 * Libraries preloaded because a user parameter lives in their namespace (CNPG ManagedExtensions).
 * pg_failover_slots is left out: it only matters with replicas, which we do not run yet.
 */
export const MANAGED_LIBRARIES: readonly string[] = Object.freeze(['pgaudit', 'pg_stat_statements', 'auto_explain']);
