// spec.bootstrap.recovery from an object store (CNPG api/v1 BootstrapRecovery and RecoveryTarget, with the
// webhook's rules, internal/webhook/v1/cluster_webhook.go validateRecoveryTarget): exactly one of `backup` and
// `source`; the source names an externalClusters entry with a barmanObjectStore; at most one target kind;
// targetName/targetXID/targetImmediate need a backupID (no backup can be chosen from them); targetTLI is
// `latest` or a positive integer; targetTime parses.
import { ManifestError } from '../errors.js';
import type { RecoverySpec, RecoveryTarget, VolumeSnapshotsSpec } from './cluster.js';
import { Fields } from './fields.js';

const RECOVERY_KEYS: ReadonlySet<string> = new Set(['backup', 'source', 'recoveryTarget', 'database', 'owner', 'secret', 'volumeSnapshots']);
const TARGET_KEYS: ReadonlySet<string> = new Set(['backupID', 'targetTLI', 'targetXID', 'targetName', 'targetLSN', 'targetTime', 'targetImmediate', 'exclusive']);

/** Validates spec.bootstrap.recovery; `spec` gives externalClusters. */
export function validateRecovery(f: Fields, spec: Fields): RecoverySpec {
  f.onlyKeys(RECOVERY_KEYS);
  for (const key of ['database', 'owner', 'secret']) f.refuse(key, 'creating the application database after a recovery; the recovered cluster keeps its own');
  const backup = f.child('backup')?.requiredString('name');
  const source = f.string('source', { nonEmpty: true });
  const snapshots = f.child('volumeSnapshots');
  // From volume snapshots a source is optional: it only serves WAL (restore_command) for the recovery target.
  if (snapshots !== undefined && backup !== undefined) throw new ManifestError(f.at('backup'), 'cannot be set with volumeSnapshots');
  if (snapshots === undefined && (backup === undefined) === (source === undefined)) throw new ManifestError(f.path, 'needs exactly one of backup.name, source and volumeSnapshots');
  if (source !== undefined) {
    const entry = (spec.objectList('externalClusters') ?? []).find((e) => e.string('name') === source);
    if (!entry) throw new ManifestError(f.at('source'), `names "${source}", which is not in spec.externalClusters`);
    if (!entry.has('barmanObjectStore')) throw new ManifestError(f.at('source'), `externalClusters "${source}" has no barmanObjectStore: only recovery from an object store is built`);
  }
  const result: RecoverySpec = {};
  if (snapshots !== undefined) result.volumeSnapshots = validateSnapshots(snapshots);
  if (backup !== undefined) result.backup = backup;
  if (source !== undefined) result.source = source;
  const t = f.child('recoveryTarget');
  if (t) result.recoveryTarget = validateTarget(t);
  return result;
}

// A TypedLocalObjectReference to a VolumeSnapshot (api/v1 DataSource): only its name says which snapshot.
function snapshotName(ref: Fields): string {
  ref.onlyKeys(new Set(['name', 'kind', 'apiGroup']));
  const kind = ref.string('kind');
  if (kind !== undefined && kind !== 'VolumeSnapshot') throw new ManifestError(ref.at('kind'), `only VolumeSnapshot is supported, got ${JSON.stringify(kind)}`);
  const name = ref.requiredString('name');
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) throw new ManifestError(ref.at('name'), `is not a snapshot name: ${JSON.stringify(name)}`);
  return name;
}

function validateSnapshots(v: Fields): VolumeSnapshotsSpec {
  v.onlyKeys(new Set(['storage', 'walStorage', 'tablespaceStorage']));
  const storage = v.child('storage');
  if (storage === undefined) throw new ManifestError(v.at('storage'), 'is required');
  const result: VolumeSnapshotsSpec = { storage: snapshotName(storage), tablespaceStorage: {} };
  const wal = v.child('walStorage');
  if (wal !== undefined) result.walStorage = snapshotName(wal);
  const tablespaces = v.child('tablespaceStorage');
  for (const name of tablespaces?.keys() ?? []) {
    const ref = tablespaces?.child(name);
    if (ref !== undefined) result.tablespaceStorage[name] = snapshotName(ref); // eslint-disable-line security/detect-object-injection -- a record of our own
  }
  return result;
}

function validateTarget(t: Fields): RecoveryTarget {
  t.onlyKeys(TARGET_KEYS);
  const target: RecoveryTarget = {};
  // An unquoted RFC 3339 time is a YAML timestamp: taken as the same instant.
  const time = t.get('targetTime');
  if (time instanceof Date) target.targetTime = time.toISOString();
  for (const key of ['backupID', 'targetTLI', 'targetXID', 'targetName', 'targetLSN', ...(time instanceof Date ? [] : ['targetTime' as const])] as const) {
    const v = t.string(key, { nonEmpty: true });
    if (v !== undefined) target[key] = v; // eslint-disable-line security/detect-object-injection -- fixed keys
  }
  const immediate = t.bool('targetImmediate');
  if (immediate !== undefined) target.targetImmediate = immediate;
  const exclusive = t.bool('exclusive');
  if (exclusive !== undefined) target.exclusive = exclusive;
  const kinds = (['targetXID', 'targetName', 'targetLSN', 'targetTime'] as const).filter((k) => target[k] !== undefined); // eslint-disable-line security/detect-object-injection
  if (target.targetImmediate) kinds.push('targetImmediate' as never);
  if (kinds.length > 1) throw new ManifestError(t.path, `only one recovery target at a time, got ${kinds.join(', ')}`);
  for (const k of ['targetXID', 'targetName'] as const) {
    if (target[k] !== undefined && target.backupID === undefined) throw new ManifestError(t.at(k), 'needs backupID too (a backup cannot be chosen from it)'); // eslint-disable-line security/detect-object-injection
  }
  if (target.targetTLI !== undefined && target.targetTLI !== 'latest' && !/^[1-9][0-9]*$/.test(target.targetTLI)) throw new ManifestError(t.at('targetTLI'), `must be "latest" or a positive integer, got ${JSON.stringify(target.targetTLI)}`);
  if (target.targetLSN !== undefined && !/^[0-9A-Fa-f]{1,8}\/[0-9A-Fa-f]{1,8}$/.test(target.targetLSN)) throw new ManifestError(t.at('targetLSN'), `is not an LSN (like 0/3000060): ${JSON.stringify(target.targetLSN)}`);
  if (target.targetTime !== undefined && Number.isNaN(Date.parse(target.targetTime))) throw new ManifestError(t.at('targetTime'), `is not a time (RFC 3339, e.g. 2026-12-07T05:40:00Z): ${JSON.stringify(target.targetTime)}`);
  return target;
}
