// The top level of .spec: every CloudNativePG field name is known, so a typo is refused by name; fields the
// instance manager would have to act on but does not implement yet are refused; pod-level and
// operator-side fields are accepted untouched (they stay readable in Cluster.raw).
import { ManifestError } from '../errors.js';
import { CLUSTER_DEFAULTS, type ClusterSpec } from './cluster.js';
import type { Fields } from './fields.js';
import { postgresMajorFromImage } from './image-version.js';
import { EXTENSIONS_MIN_MAJOR } from './validate-extensions.js';
import { checkSecretReferences } from './secret-refs.js';
import { validateBackup } from './validate-backup.js';
import { validateBootstrap } from './validate-bootstrap.js';
import { validateManagedRoles } from './validate-managed-roles.js';
import { checkSynchronizeLogicalDecoding } from './validate-logical-decoding.js';
import { validateCertificates, validateMonitoring, validateProbes } from './validate-observability.js';
import { validatePostgresql } from './validate-postgresql.js';
import { validateReplicationSlots, validateSyncReplicas } from './validate-replication.js';
import { validateTablespaces, validateWalStorage } from './validate-storage.js';
import { validateExternalClusters, validateReplica } from './validate-replica.js';

// ClusterSpec in api/v1/cluster_types.go, plus podSelectorRefs (newer CNPG samples) and serviceAccountName.
const SPEC_KEYS: ReadonlySet<string> = new Set([
  'description', 'inheritedMetadata', 'imageName', 'imageCatalogRef', 'imagePullPolicy', 'schedulerName',
  'postgresUID', 'postgresGID', 'instances', 'minSyncReplicas', 'maxSyncReplicas', 'postgresql', 'replicationSlots',
  'bootstrap', 'replica', 'superuserSecret', 'enableSuperuserAccess', 'certificates', 'imagePullSecrets', 'storage',
  'serviceAccountTemplate', 'serviceAccountName', 'walStorage', 'ephemeralVolumeSource', 'startDelay', 'stopDelay',
  'smartShutdownTimeout', 'switchoverDelay', 'failoverDelay', 'livenessProbeTimeout', 'affinity',
  'topologySpreadConstraints', 'resources', 'ephemeralVolumesSizeLimit', 'priorityClassName',
  'primaryUpdateStrategy', 'primaryUpdateMethod', 'backup', 'nodeMaintenanceWindow', 'monitoring',
  'externalClusters', 'logLevel', 'projectedVolumeTemplate', 'env', 'envFrom', 'managed', 'seccompProfile',
  'podSecurityContext', 'securityContext', 'tablespaces', 'enablePDB', 'plugins', 'probes', 'podSelectorRefs',
]);

const LOG_LEVELS = ['error', 'warning', 'info', 'debug', 'trace'] as const;
const UPDATE_STRATEGIES = ['unsupervised', 'supervised'] as const;

/** Validates and defaults .spec of a Cluster named `clusterName`. */
export function validateClusterSpec(spec: Fields, clusterName: string): ClusterSpec {
  spec.onlyKeys(SPEC_KEYS);
  refuseUnsupported(spec);
  const superuserSecret = spec.child('superuserSecret');
  superuserSecret?.onlyKeys(new Set(['name']));
  const postgresql = validatePostgresql(spec);
  const result: ClusterSpec = {
    instances: spec.int('instances', 1) ?? CLUSTER_DEFAULTS.instances,
    ...validateSyncReplicas(spec, postgresql.synchronous !== undefined),
    replicationSlots: validateReplicationSlots(spec),
    startDelay: spec.int('startDelay', 1) ?? CLUSTER_DEFAULTS.startDelay,
    stopDelay: spec.int('stopDelay', 1) ?? CLUSTER_DEFAULTS.stopDelay,
    // 0 is meaningful: skip the smart shutdown and go straight to fast (https://cloudnative-pg.io/documentation/current/instance_manager/).
    smartShutdownTimeout: spec.int('smartShutdownTimeout', 0) ?? CLUSTER_DEFAULTS.smartShutdownTimeout,
    switchoverDelay: spec.int('switchoverDelay', 1) ?? CLUSTER_DEFAULTS.switchoverDelay,
    primaryUpdateStrategy: spec.oneOf('primaryUpdateStrategy', UPDATE_STRATEGIES) ?? 'unsupervised',
    enableSuperuserAccess: spec.bool('enableSuperuserAccess') ?? false,
    superuserSecretName: superuserSecret?.requiredString('name') ?? `${clusterName}-superuser`,
    postgresql,
    bootstrap: validateBootstrap(spec, clusterName),
    certificates: validateCertificates(spec, clusterName),
    monitoring: validateMonitoring(spec),
    probes: validateProbes(spec),
    managedRoles: validateManagedRoles(spec),
  };
  const backup = validateBackup(spec);
  if (backup !== undefined) result.backup = backup;
  if (validateWalStorage(spec)) result.walStorage = true;
  const tablespaces = validateTablespaces(spec);
  if (tablespaces.length > 0) result.tablespaces = tablespaces;
  validateExternalClusters(spec);
  const replica = validateReplica(spec, clusterName);
  if (replica !== undefined) result.replica = replica;
  const logLevel = spec.oneOf('logLevel', LOG_LEVELS);
  if (logLevel !== undefined) result.logLevel = logLevel;
  const serviceAccountName = spec.string('serviceAccountName', { nonEmpty: true });
  if (serviceAccountName !== undefined) result.serviceAccountName = serviceAccountName;
  spec.oneOf('primaryUpdateMethod', ['switchover', 'restart'] as const);
  spec.int('failoverDelay', 0);
  spec.int('livenessProbeTimeout', 0);
  spec.string('description');
  checkSecretReferences(result); // names that become file paths
  const major = imageMajor(spec, result);
  if (major !== undefined) result.postgresMajor = major;
  checkSynchronizeLogicalDecoding(result, major);
  checkExtensionsMajor(spec, result);
  return result;
}

// Image-volume extensions need extension_control_path (PostgreSQL 18+): refused on an older or unknown major.
function checkExtensionsMajor(spec: Fields, result: ClusterSpec): void {
  if (!result.postgresql.extensions?.length) return;
  const at = `${spec.at('postgresql')}.extensions`;
  const major = result.postgresMajor;
  if (major === undefined) throw new ManifestError(at, `need PostgreSQL ${EXTENSIONS_MIN_MAJOR} or later: name it in imageName's tag (or imageCatalogRef.major)`);
  if (major < EXTENSIONS_MIN_MAJOR) throw new ManifestError(at, `need PostgreSQL ${EXTENSIONS_MIN_MAJOR} or later (extension_control_path); the image is PostgreSQL ${major}`);
}

function imageMajor(spec: Fields, result: ClusterSpec): number | undefined {
  const imageName = spec.string('imageName', { nonEmpty: true });
  const catalog = spec.child('imageCatalogRef');
  if (imageName !== undefined && catalog !== undefined) {
    throw new ManifestError(spec.at('imageCatalogRef'), 'imageName and imageCatalogRef are mutually exclusive');
  }
  if (imageName !== undefined) {
    result.imageName = imageName;
    return postgresMajorFromImage(imageName);
  }
  // With a catalog the operator picks the image by this major, so the major is known without the tag.
  return catalog?.int('major', 1);
}

/** One clear refusal per feature the instance manager does not implement yet. */
function refuseUnsupported(spec: Fields): void {
  nonEmptyList(spec, 'plugins', 'CNPG-i plugins');
}

function nonEmptyList(f: Fields, key: string, what: string): void {
  const items = f.get(key);
  // Any non-empty value is refused as the feature, whatever its shape (old samples use a map here).
  if (items === undefined || (Array.isArray(items) && items.length === 0)) return;
  throw new ManifestError(f.at(key), `not supported yet (${what})`);
}
