// Renders custom.conf, the full parameter set postgresql.conf includes (CNPG pkg/postgres/configuration.go). Pure: data in,
// text and checksum out. The caller writes it with writeFileAtomic and waits for cnpg.config_sha256 on reload.
import { createHash } from 'node:crypto';
import { normaliseParameterName, renderConfLine } from './conf-literal.js';
import {
  globalDefaults,
  isFixedOrBlocked,
  mandatorySettings,
  MANAGED_LIBRARIES,
  type ManagedPaths,
} from './guc-settings.js';
import { extensionSettings } from './extension-paths.js';
import type { ExtensionSpec } from '../spec/cluster.js';

/** Stamp on the first line; PostgreSQL ignores it, people read it. */
export const CUSTOM_CONF_STAMP = '# managed by pg-instance-manager, do not edit';

/** The parameter whose value is the checksum of the rest; polled after a reload (section 5.5). */
export const CONFIG_SHA_PARAMETER = 'cnpg.config_sha256';

export interface CustomConfInput {
  /** spec.postgresql.parameters, already validated; fixed and blocked keys are dropped again here. */
  parameters: Readonly<Record<string, string>>;
  pgMajor: number;
  clusterName: string;
  port: number;
  listenAddresses: string;
  paths: ManagedPaths;
  /** spec.postgresql.shared_preload_libraries, in spec order. */
  sharedPreloadLibraries: readonly string[];
  /**
   * 'on' with an archive_command when spec.backup.barmanObjectStore is set, 'always' on a replica cluster (its
   * standbys archive what they receive); 'off' writes no archive_command.
   */
  archiveMode: 'off' | 'on' | 'always';
  archiveCommand?: string;
  /** spec.postgresql.enableAlterSystem; only written as allow_alter_system on PostgreSQL 17 and later. */
  enableAlterSystem?: boolean;
  /** Computed by the manager from the Cluster (synchronous-standby.ts); absent = asynchronous. */
  synchronousStandbyNames?: string | undefined;
  /** The standbys' HA slots logical decoding waits for (synchronizeLogicalDecoding, PostgreSQL 17+). */
  synchronizedStandbySlots?: string | undefined;
  /** spec.postgresql.extensions: their directories go first in extension_control_path and dynamic_library_path. */
  extensions?: readonly ExtensionSpec[];
  /** The temporary tablespaces, comma-separated (spec.tablespaces[].temporary); empty or absent = not written. */
  tempTablespaces?: string;
  /** spec.replica.minApplyDelay in whole seconds, on a replica cluster (CNPG writes `<seconds>s`). */
  recoveryMinApplyDelaySeconds?: number | undefined;
}

export interface RenderedCustomConf {
  text: string;
  sha256: string;
}

const CNPG_PREFIX = 'cnpg.';

// User libraries first, then the managed ones whose namespace a user parameter uses; first occurrence wins.
function preloadLibraries(userLibraries: readonly string[], userKeys: readonly string[]): string {
  const libraries: string[] = [];
  const add = (lib: string): void => {
    const trimmed = lib.trim();
    if (trimmed !== '' && !libraries.includes(trimmed)) libraries.push(trimmed);
  };
  userLibraries.forEach(add);
  for (const lib of MANAGED_LIBRARIES) {
    if (userKeys.some((key) => key.startsWith(`${lib}.`))) add(lib);
  }
  return libraries.join(',');
}

function buildSettings(input: CustomConfInput): Map<string, string> {
  const settings = new Map<string, string>(Object.entries(globalDefaults(input.paths)));
  // Not a CNPG default: a start after a crash or a pg_rewind flushes PGDATA with one syncfs per file system
  // instead of an fsync of every file (2-2.5 s of each failover's rejoin on the test machine). PostgreSQL 14+
  // on Linux; a user value wins (https://www.postgresql.org/docs/15/runtime-config-error-handling.html).
  if (input.pgMajor >= 14) settings.set('recovery_init_sync_method', 'syncfs');
  const userKeys: string[] = [];
  for (const [rawKey, value] of Object.entries(input.parameters)) {
    const key = normaliseParameterName(rawKey);
    // Fixed/blocked keys are rejected upstream; dropping them again keeps a bypassed check harmless. The
    // checksum key is ours: a user value would shadow the real one.
    if (isFixedOrBlocked(key) || key === CONFIG_SHA_PARAMETER) continue;
    userKeys.push(key);
    settings.set(key, value);
  }
  for (const [key, value] of Object.entries(extensionSettings(input.extensions ?? [], input.parameters))) settings.set(key, value);
  const mandatory = mandatorySettings({
    paths: input.paths,
    port: input.port,
    listenAddresses: input.listenAddresses,
    pgMajor: input.pgMajor,
    enableAlterSystem: input.enableAlterSystem ?? false,
  });
  for (const [key, value] of Object.entries(mandatory)) settings.set(key, value);
  settings.set('archive_mode', input.archiveMode);
  if (input.archiveMode !== 'off' && input.archiveCommand !== undefined) settings.set('archive_command', input.archiveCommand);
  settings.set('cluster_name', input.clusterName);
  if (input.synchronousStandbyNames !== undefined) settings.set('synchronous_standby_names', input.synchronousStandbyNames);
  if (input.synchronizedStandbySlots !== undefined) settings.set('synchronized_standby_slots', input.synchronizedStandbySlots);
  // A fixed parameter in CNPG (pkg/postgres/configuration.go): the temporary tablespaces of the spec, sorted.
  if (input.tempTablespaces) settings.set('temp_tablespaces', input.tempTablespaces);
  if (input.recoveryMinApplyDelaySeconds !== undefined) settings.set('recovery_min_apply_delay', `${input.recoveryMinApplyDelaySeconds}s`);
  const libraries = preloadLibraries(input.sharedPreloadLibraries, userKeys);
  if (libraries !== '') settings.set('shared_preload_libraries', libraries);
  return settings;
}

// Byte-wise order, as Go's sort.Strings; keys are ASCII after normaliseParameterName.
function sortedKeys(keys: Iterable<string>): string[] {
  return [...keys].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * Renders custom.conf. Layout: the stamp line; every non-`cnpg.*` parameter as `key = 'value'`, sorted;
 * the other `cnpg.*` parameters, sorted; last, `cnpg.config_sha256 = '<hex>'`.
 *
 * The checksum is SHA-256 (lower-case hex) of exactly the UTF-8 bytes of the sorted non-`cnpg.*` lines,
 * each with its trailing "\n": not the stamp, not the `cnpg.*` lines, not the checksum line. So it changes
 * if and only if a parameter PostgreSQL acts on changes, and equals what `current_setting` reports after
 * the reload that loaded this file.
 */
export function renderCustomConf(input: CustomConfInput): RenderedCustomConf {
  const settings = buildSettings(input);
  const keys = sortedKeys(settings.keys());
  const line = (key: string): string => renderConfLine(key, settings.get(key) ?? '');
  const body = keys.filter((k) => !k.startsWith(CNPG_PREFIX)).map(line).join('');
  const cnpg = keys.filter((k) => k.startsWith(CNPG_PREFIX)).map(line).join('');
  const sha256 = createHash('sha256').update(body, 'utf8').digest('hex');
  const text = `${CUSTOM_CONF_STAMP}\n${body}${cnpg}${renderConfLine(CONFIG_SHA_PARAMETER, sha256)}`;
  return { text, sha256 };
}
