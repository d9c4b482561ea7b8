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
}

/** spec.bootstrap.recovery (CNPG api/v1 BootstrapRecovery), object-store recovery only. */
export interface RecoverySpec {
  /** A Backup object by name (its status says where the backup is). */
  backup?: string;
  /** An externalClusters[] entry with a barmanObjectStore. */
  source?: string;
  recoveryTarget?: RecoveryTarget;
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
  };
  bootstrap: { initdb: InitdbSpec; recovery?: RecoverySpec };
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
