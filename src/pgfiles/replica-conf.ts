// A replica's override.conf (CNPG pkg/management/postgres/instance_replica.go, configfile.WritePostgresConfiguration):
// primary_conninfo with the streaming_replica certificate, primary_slot_name, recovery_target_timeline.
// Pure: data in, text out. Two grammars nest here: a conninfo string (libpq, "Connection Strings":
// https://www.postgresql.org/docs/current/libpq-connect.html#LIBPQ-CONNSTRING, values in single quotes with
// \' and \\ escaped) inside a postgresql.conf literal (conf-literal.ts).
import { join } from 'node:path';
import { TLS_FILES } from '../config/constants.js';
import { renderConfLine } from './conf-literal.js';

/** The stamp on override.conf's first line. */
export const OVERRIDE_CONF_STAMP = '# managed by pg-instance-manager, do not edit';

/** CNPG's default replicationSlots.highAvailability.slotPrefix. */
export const HA_SLOT_PREFIX = '_cnpg_';

/** The user replicas connect as (a certificate whose CN is this name; pg_hba `cert` lines). */
export const STREAMING_REPLICA = 'streaming_replica';

/** `_cnpg_<instance>` lower-cased with every character outside [a-z0-9_] turned into `_` (GetSlotNameFromInstanceName). */
export function slotNameForInstance(instanceName: string, prefix: string = HA_SLOT_PREFIX): string {
  return (prefix + instanceName).toLowerCase().replace(/[^a-z0-9_]/g, '_');
}

/** Quotes one conninfo value when it needs it: empty, blanks, quotes or backslashes (libpq conninfo_parse). */
export function conninfoValue(value: string): string {
  if (value !== '' && !/[\s'\\]/.test(value)) return value;
  return `'${value.replace(/[\\']/g, (ch) => `\\${ch}`)}'`;
}

/** `key=value` pairs joined by blanks, in the given order. */
export function renderConninfo(pairs: ReadonlyArray<readonly [string, string]>): string {
  return pairs.map(([k, v]) => `${k}=${conninfoValue(v)}`).join(' ');
}

export interface ReplicaConninfoInput {
  host: string;
  port: number;
  applicationName: string;
  /** The folder of streaming_replica.crt/.key and server-ca.crt (controller/certificates). */
  certificatesDir: string;
  /** Extra pairs appended in order (connect_timeout, options, tcp_user_timeout). */
  extra?: ReadonlyArray<readonly [string, string]>;
}

/**
 * The replication connection of a replica: the streaming_replica certificate, the server verified against
 * the server CA (verify-ca: the `-rw` Service name is not in every certificate), dbname=postgres so the
 * same string also opens a normal session (InitInfo.GetPrimaryConnInfo in pkg/management/postgres/restore.go).
 */
export function replicaConninfo(input: ReplicaConninfoInput): string {
  return renderConninfo([
    ['host', input.host],
    ['user', STREAMING_REPLICA],
    ['port', String(input.port)],
    ['sslkey', join(input.certificatesDir, TLS_FILES.replicationKey)],
    ['sslcert', join(input.certificatesDir, TLS_FILES.replicationCert)],
    ['sslrootcert', join(input.certificatesDir, TLS_FILES.serverCa)],
    ['application_name', input.applicationName],
    ['sslmode', 'verify-ca'],
    ['dbname', 'postgres'],
    ...(input.extra ?? []),
  ]);
}

export interface OverrideConfInput {
  /** primary_conninfo; CNPG adds tcp_user_timeout='5000' so a dead primary is noticed within 5 s. Absent: WAL from restore_command only. */
  primaryConninfo?: string | undefined;
  /** primary_slot_name; absent when HA slots are disabled. */
  slotName?: string | undefined;
  /** restore_command (a replica cluster's designated primary whose source has an object store). */
  restoreCommand?: string | undefined;
}

/** override.conf of a replica: the stamp, then sorted `key = 'value'` lines. */
export function renderReplicaOverrideConf(input: OverrideConfInput): string {
  const settings: [string, string][] = [
    ...(input.primaryConninfo === undefined ? [] : [['primary_conninfo', input.primaryConninfo] as [string, string]]),
    ...(input.slotName === undefined ? [] : [['primary_slot_name', input.slotName] as [string, string]]),
    ['recovery_target_timeline', 'latest'],
    ...(input.restoreCommand === undefined ? [] : [['restore_command', input.restoreCommand] as [string, string]]),
  ];
  return `${OVERRIDE_CONF_STAMP}\n${settings.map(([k, v]) => renderConfLine(k, v)).join('')}`;
}
