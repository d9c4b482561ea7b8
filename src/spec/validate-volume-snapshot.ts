// spec.backup.volumeSnapshot (CNPG api/v1 cluster_types.go VolumeSnapshotConfiguration): how volume-snapshot
// Backups are taken. In Kubernetes the operator takes them (it holds /pg/mode/backup open on the instance and
// creates the VolumeSnapshots); in the embedded default the instance manager stands in for it
// (backup/snapshot-backup.ts). The class names, labels, annotations and owner reference are the operator's
// business (VolumeSnapshot objects) and only checked for their type.
import { ManifestError } from '../errors.js';
import type { Fields } from './fields.js';

/** The online/hot snapshot's pg_backup_start / pg_backup_stop arguments (api/v1 OnlineConfiguration). */
export interface OnlineConfiguration {
  /** pg_backup_stop(wait_for_archive): CNPG's default true. */
  waitForArchive: boolean;
  /** pg_backup_start(fast): CNPG's default false. */
  immediateCheckpoint: boolean;
}

export interface VolumeSnapshotConfig {
  className?: string;
  walClassName?: string;
  tablespaceClassName: Record<string, string>;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  snapshotOwnerReference: 'none' | 'cluster' | 'backup';
  /** Hot (pg_backup_start/stop while postgres runs) or cold (postgres stopped): CNPG's default true. */
  online: boolean;
  onlineConfiguration: OnlineConfiguration;
  /** Accepted fields that do nothing, for the loader to warn about once. */
  warnings: string[];
}

const KEYS: ReadonlySet<string> = new Set(['labels', 'annotations', 'className', 'walClassName', 'tablespaceClassName', 'snapshotOwnerReference', 'online', 'onlineConfiguration']);
// Not a field of VolumeSnapshotConfiguration, yet CNPG's sample cluster-example-bis.yaml sets it: the API server
// drops an unknown field of a CRD (structural schema pruning), so it is accepted with a warning, not refused.
const PRUNED: ReadonlySet<string> = new Set(['groupSnapshot']);

/** Validates spec.backup.volumeSnapshot with CNPG's defaults; undefined when absent. */
export function validateVolumeSnapshot(f: Fields | undefined): VolumeSnapshotConfig | undefined {
  if (f === undefined) return undefined;
  const warnings = f.keys().filter((k) => PRUNED.has(k)).map((k) => `unknown field "${f.at(k)}" (not a CloudNativePG field: ignored, as the API server prunes it)`);
  f.onlyKeys(new Set([...KEYS, ...PRUNED]));
  const online = f.child('onlineConfiguration');
  online?.onlyKeys(new Set(['waitForArchive', 'immediateCheckpoint']));
  const result: VolumeSnapshotConfig = {
    tablespaceClassName: stringMap(f, 'tablespaceClassName'),
    labels: stringMap(f, 'labels'),
    annotations: stringMap(f, 'annotations'),
    snapshotOwnerReference: f.oneOf('snapshotOwnerReference', ['none', 'cluster', 'backup'] as const) ?? 'none',
    online: f.bool('online') ?? true,
    onlineConfiguration: { waitForArchive: online?.bool('waitForArchive') ?? true, immediateCheckpoint: online?.bool('immediateCheckpoint') ?? false },
    warnings,
  };
  const className = f.string('className');
  if (className !== undefined && className !== '') result.className = className;
  const walClassName = f.string('walClassName');
  if (walClassName !== undefined && walClassName !== '') result.walClassName = walClassName;
  return result;
}

function stringMap(f: Fields, key: string): Record<string, string> {
  const map = f.child(key);
  const out: Record<string, string> = {};
  for (const [k, v] of map?.entries() ?? []) {
    if (typeof v !== 'string') throw new ManifestError(map?.at(k) ?? f.at(key), 'must be a string');
    out[k] = v; // eslint-disable-line security/detect-object-injection -- a copy of a parsed mapping
  }
  return out;
}
