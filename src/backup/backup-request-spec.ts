// Which method a `backup NAME` request runs, and with which volume-snapshot settings: the Backup object's spec
// (api/v1 BackupSpec method, online, onlineConfiguration; in the embedded default its file, when one was
// written first, like `kubectl apply -f backup-with-volume-snapshot.yaml`), else the request's options, which
// are those of CNPG's `kubectl cnpg backup` (internal/cmd/plugin/backup/cmd.go: --method, --online,
// --immediate-checkpoint, --wait-for-archive, the booleans as "true", "false" or ""). A Backup's spec never
// changes once set (api/v1: "BackupSpec is immutable once set"), so an option that contradicts it is refused.
import { ManagerError } from '../errors.js';
import type { BackupSnapshotOverrides } from './snapshot-plan.js';

/** The request's options, as strings from the command line (undefined or "" = not set). */
export interface BackupRequestOptions {
  method?: string;
  online?: string;
  immediateCheckpoint?: string;
  waitForArchive?: string;
}

export type BackupMethod = 'barmanObjectStore' | 'volumeSnapshot';

export interface ResolvedBackup {
  method: BackupMethod;
  overrides: BackupSnapshotOverrides;
  /** The Backup's spec with the request's options: what its object (file) holds. */
  spec: Record<string, unknown>;
}

const METHODS = ['barmanObjectStore', 'volumeSnapshot', 'plugin'] as const;

function flagBool(value: string | undefined, flag: string): boolean | undefined {
  if (value === undefined || value === '') return undefined;
  if (value === 'true' || value === 'false') return value === 'true';
  throw new ManagerError('USAGE', `--${flag}: must be true, false or "" (unset), got ${JSON.stringify(value)}`);
}

function specBool(value: unknown, field: string, name: string): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw new ManagerError('BACKUP', `Backup "${name}" ${field}: must be a boolean, got ${JSON.stringify(value)}`);
  return value;
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** Resolves the method and settings of Backup `name` from its existing spec (if any) and the request. */
export function resolveBackupRequest(name: string, request: BackupRequestOptions, existing: Record<string, unknown> | undefined): ResolvedBackup {
  const spec = existing ?? {};
  const asked = request.method === undefined || request.method === '' ? undefined : request.method;
  if (asked !== undefined && !(METHODS as readonly string[]).includes(asked)) throw new ManagerError('USAGE', `--method: must be one of ${METHODS.join(', ')}, got ${JSON.stringify(asked)}`);
  const own = spec.method;
  if (own !== undefined && own !== null && !(typeof own === 'string' && (METHODS as readonly string[]).includes(own))) {
    throw new ManagerError('BACKUP', `Backup "${name}" spec.method: must be one of ${METHODS.join(', ')}, got ${JSON.stringify(own)}`);
  }
  if (asked !== undefined && typeof own === 'string' && own !== asked) {
    throw new ManagerError('BACKUP', `Backup "${name}" exists with spec.method ${own}, not ${asked}: a Backup's spec cannot change (take another Backup name)`);
  }
  const method = asked ?? (typeof own === 'string' ? own : 'barmanObjectStore');
  if (method === 'plugin') throw new ManagerError('BACKUP', `Backup "${name}": method plugin is not supported (CNPG-i plugins are not built)`);
  const online = flagBool(request.online, 'online');
  const immediateCheckpoint = flagBool(request.immediateCheckpoint, 'immediate-checkpoint');
  const waitForArchive = flagBool(request.waitForArchive, 'wait-for-archive');
  const asksSnapshot = online !== undefined || immediateCheckpoint !== undefined || waitForArchive !== undefined;
  if (method !== 'volumeSnapshot' && asksSnapshot) throw new ManagerError('USAGE', '--online, --immediate-checkpoint and --wait-for-archive apply to volumeSnapshot Backups only (--method volumeSnapshot)');
  const ownOnline = specBool(spec.online, 'spec.online', name);
  const ownConfig = record(spec.onlineConfiguration);
  if (spec.onlineConfiguration !== undefined && spec.onlineConfiguration !== null && ownConfig === undefined) throw new ManagerError('BACKUP', `Backup "${name}" spec.onlineConfiguration: must be an object`);
  const ownImmediate = specBool(ownConfig?.immediateCheckpoint, 'spec.onlineConfiguration.immediateCheckpoint', name);
  const ownWait = specBool(ownConfig?.waitForArchive, 'spec.onlineConfiguration.waitForArchive', name);
  const clash = (mine: boolean | undefined, theirs: boolean | undefined, field: string): void => {
    if (mine !== undefined && theirs !== undefined && mine !== theirs) throw new ManagerError('BACKUP', `Backup "${name}" exists with ${field}: ${String(theirs)}: a Backup's spec cannot change (take another Backup name)`);
  };
  clash(online, ownOnline, 'spec.online');
  clash(immediateCheckpoint, ownImmediate, 'spec.onlineConfiguration.immediateCheckpoint');
  clash(waitForArchive, ownWait, 'spec.onlineConfiguration.waitForArchive');
  const finalOnline = online ?? ownOnline;
  const finalImmediate = immediateCheckpoint ?? ownImmediate;
  const finalWait = waitForArchive ?? ownWait;
  const config = finalImmediate === undefined && finalWait === undefined ? undefined : { ...(finalImmediate === undefined ? {} : { immediateCheckpoint: finalImmediate }), ...(finalWait === undefined ? {} : { waitForArchive: finalWait }) };
  return {
    method: method as BackupMethod,
    overrides: { ...(finalOnline === undefined ? {} : { online: finalOnline }), ...(config ? { onlineConfiguration: config } : {}) },
    spec: { ...spec, method, ...(finalOnline === undefined ? {} : { online: finalOnline }), ...(config ? { onlineConfiguration: { ...ownConfig, ...config } } : {}) },
  };
}
