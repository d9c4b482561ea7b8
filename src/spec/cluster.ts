// The validated, defaulted view of a postgresql.cnpg.io/v1 Cluster that the rest of the manager reads.
// Only the fields the instance manager acts on are typed; `raw` keeps the whole object.
import type { BackupSpec } from './validate-backup.js';
import type { ManagedRole } from './validate-managed-roles.js';

export interface SecretKeyRef {
  name: string;
  key: string;
}

export interface InitdbSpec {
  database: string;
  owner: string;
  /** Secret holding `username` and `password` of the owner; defaults to `<cluster>-app`. */
  secretName: string;
  encoding: string;
  localeCollate?: string;
  localeCType?: string;
  locale?: string;
  localeProvider?: string;
  icuLocale?: string;
  icuRules?: string;
  /** initdb --builtin-locale (localeProvider builtin, PostgreSQL 17+). */
  builtinLocale?: string;
  dataChecksums: boolean;
  /** WAL segment size in MB (initdb --wal-segsize). */
  walSegmentSize?: number;
  options: string[];
  postInitSQL: string[];
  postInitApplicationSQL: string[];
  postInitTemplateSQL: string[];
  /** postInitSQLRefs, postInitTemplateSQLRefs, postInitApplicationSQLRefs: Secrets first, then ConfigMaps. */
  postInitSQLRefs?: SqlRefs;
  postInitTemplateSQLRefs?: SqlRefs;
  postInitApplicationSQLRefs?: SqlRefs;
  /** spec.bootstrap.initdb.import: a logical import from an external cluster after initdb. */
  import?: ImportSpec;
}

/** SQLRefs (api/v1 cluster_types.go): run in this order, all secretRefs, then all configMapRefs. */
export interface SqlRefs {
  secretRefs: SecretKeyRef[];
  configMapRefs: SecretKeyRef[];
}

/** spec.bootstrap.initdb.import (api/v1 Import). */
export interface ImportSpec {
  type: 'microservice' | 'monolith';
  /** The externalClusters entry to dump from. */
  source: string;
  /** That entry's connection: parameters as written (values as strings), and the Secret refs libpq reads as files. */
  connection: ExternalConnection;
  databases: string[];
  roles: string[];
  postImportApplicationSQL: string[];
  schemaOnly: boolean;
  pgDumpExtraOptions: string[];
  pgRestoreExtraOptions: string[];
  pgRestorePredataOptions: string[];
  pgRestoreDataOptions: string[];
  pgRestorePostdataOptions: string[];
}

/** An externalClusters entry's libpq side (api/v1 ExternalCluster; pkg/management/external). */
export interface ExternalConnection {
  parameters: Record<string, string>;
  password?: SecretKeyRef;
  sslCert?: SecretKeyRef;
  sslKey?: SecretKeyRef;
  sslRootCert?: SecretKeyRef;
}

/** spec.postgresql.extensions[] (api/v1 ExtensionConfiguration): an image volume under /extensions/<name>. */
export interface ExtensionSpec {
  name: string;
  image: string;
  extensionControlPath: string[];
  dynamicLibraryPath: string[];
  ldLibraryPath: string[];
  binPath: string[];
}

/** spec.bootstrap.recovery (CNPG api/v1 BootstrapRecovery), object-store recovery only. */
export interface RecoverySpec {
  /** A Backup object by name (its status says where the backup is). */
  backup?: string;
  /** An externalClusters[] entry with a barmanObjectStore. */
  source?: string;
  recoveryTarget?: RecoveryTarget;
  /** volumeSnapshots: the VolumeSnapshot names of PGDATA, the WAL volume and each tablespace (api/v1 DataSource). */
  volumeSnapshots?: VolumeSnapshotsSpec;
}

/** spec.bootstrap.recovery.volumeSnapshots, by snapshot name. */
export interface VolumeSnapshotsSpec {
  storage: string;
  walStorage?: string;
  /** Tablespace name -> snapshot name. */
  tablespaceStorage: Record<string, string>;
}

/** spec.bootstrap.recovery.recoveryTarget (api/v1 RecoveryTarget). */
export interface RecoveryTarget {
  backupID?: string;
  targetTLI?: string;
  targetXID?: string;
  targetName?: string;
  targetLSN?: string;
  targetTime?: string;
  targetImmediate?: boolean;
  exclusive?: boolean;
}

/** spec.replica (CNPG ReplicaClusterConfiguration); replica-mode.ts says whether it makes a replica cluster. */
export interface ReplicaSpec {
  /** The externalClusters entry the designated primary follows. */
  source: string;
  enabled?: boolean;
  primary?: string;
  self?: string;
  promotionToken?: string;
  /** recovery_min_apply_delay, whole seconds. */
  minApplyDelaySeconds?: number;
}

export interface LdapSpec {
  server: string;
  port?: number;
  scheme?: 'ldap' | 'ldaps';
  tls: boolean;
  bindAsAuth?: { prefix: string; suffix: string };
  bindSearchAuth?: {
    baseDN: string;
    bindDN: string;
    bindPassword?: SecretKeyRef;
    searchAttribute?: string;
    searchFilter?: string;
  };
}

export interface ProbeSpec {
  type: 'pg_isready' | 'query' | 'streaming';
  maximumLag?: string;
}

export interface CertificatesSpec {
  serverTLSSecret: string;
  serverCASecret: string;
  clientCASecret: string;
  replicationTLSSecret: string;
  serverAltDNSNames: string[];
}

export interface MonitoringSpec {
  disableDefaultQueries: boolean;
  customQueriesConfigMap: SecretKeyRef[];
  customQueriesSecret: SecretKeyRef[];
  metricsQueriesTTLSeconds: number;
  tlsEnabled: boolean;
}

/** spec.postgresql.synchronous (CNPG SynchronousReplicaConfiguration). */
export interface SynchronousSpec {
  method: 'any' | 'first';
  number: number;
  dataDurability: 'required' | 'preferred';
  maxStandbyNamesFromCluster?: number;
  standbyNamesPre: string[];
  standbyNamesPost: string[];
  /** Promote only when a quorum of the synchronous standbys can be shown to hold every commit (local-cluster operator). */
  failoverQuorum: boolean;
  /** podFailureDomainKeys or nodeFailureDomainKeys: standbys in another failure domain than the primary are preferred. */
  failureDomainKeys: string[];
}

export interface ClusterSpec {
  instances: number;
  /** Legacy quorum synchronous replication (0 = off). */
  minSyncReplicas: number;
  maxSyncReplicas: number;
  replicationSlots: {
    highAvailability: { enabled: boolean; slotPrefix: string; synchronizeLogicalDecoding: boolean };
    /** Seconds between two synchronisations of the primary's slots on a replica. */
    updateInterval: number;
    synchronizeReplicas: boolean;
  };
  /** PostgreSQL major version the cluster runs (from imageName when it names one, else the local binaries). */
  postgresMajor?: number;
  logLevel?: 'error' | 'warning' | 'info' | 'debug' | 'trace';
  startDelay: number;
  stopDelay: number;
  smartShutdownTimeout: number;
  switchoverDelay: number;
  primaryUpdateStrategy: 'unsupervised' | 'supervised';
  enableSuperuserAccess: boolean;
  superuserSecretName: string;
  postgresql: {
    parameters: Record<string, string>;
    pgHba: string[];
    pgIdent: string[];
    sharedPreloadLibraries: string[];
    ldap?: LdapSpec;
    enableAlterSystem: boolean;
    synchronous?: SynchronousSpec;
    /** syncReplicaElectionConstraint when enabled: legacy sync standbys only on other nodes than the primary's. */
    syncReplicaElectionConstraint?: { nodeLabelsAntiAffinity: string[] };
    /** Image-volume extensions (PostgreSQL 18+). */
    extensions?: ExtensionSpec[];
  };
  bootstrap: { initdb: InitdbSpec; recovery?: RecoverySpec; pgBasebackup?: { source: string } };
  replica?: ReplicaSpec;
  certificates: CertificatesSpec;
  monitoring: MonitoringSpec;
  probes: {
    startup: ProbeSpec;
    readiness: ProbeSpec;
    /** isolationCheck.{enabled,requestTimeout,connectionTimeout}; the timeouts default to 1000 ms. */
    liveness: { isolationCheck: boolean; requestTimeoutMs?: number; connectionTimeoutMs?: number };
  };
  serviceAccountName?: string;
  /** spec.managed.roles (validate-managed-roles.ts), reconciled on the primary by src/roles/. */
  managedRoles: ManagedRole[];
  /** spec.backup: the object store WAL is archived to (validate-backup.ts). */
  backup?: BackupSpec;
  /** The operand image as written in the manifest (postgresMajor is derived from its tag). */
  imageName?: string;
  /** spec.walStorage is set: pg_wal lives in a folder of its own (validate-storage.ts). */
  walStorage?: boolean;
  /** spec.tablespaces, in manifest order (validate-storage.ts). */
  tablespaces?: TablespaceSpec[];
}

/** One declarative tablespace (CNPG api/v1 TablespaceConfiguration; `storage` is the operator's). */
export interface TablespaceSpec {
  name: string;
  /** owner.name; empty means the default (the superuser, as CNPG's CREATE TABLESPACE ... OWNER ""). */
  owner?: string;
  temporary: boolean;
}

export interface Cluster {
  apiVersion: 'postgresql.cnpg.io/v1';
  kind: 'Cluster';
  name: string;
  namespace: string;
  resourceVersion?: string;
  generation?: number;
  spec: ClusterSpec;
  /** Status as read (operator fields such as operatorCertificateFingerprint, certificates). */
  status: Record<string, unknown>;
  /** The parsed object as received, for fields this view does not type yet. */
  raw: Record<string, unknown>;
  /** What was accepted but deserves a warning ('unknown field "metadata.lables"'), for the caller to log once. */
  warnings?: readonly string[];
}

/** Defaults of the Cluster CRD that the instance manager relies on (api/v1/cluster_types.go). */
export const CLUSTER_DEFAULTS = Object.freeze({
  instances: 1,
  startDelay: 3600,
  stopDelay: 1800,
  smartShutdownTimeout: 180,
  switchoverDelay: 3600,
  metricsQueriesTTLSeconds: 30,
  database: 'app',
  encoding: 'UTF8',
});
