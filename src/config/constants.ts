// Ports, exit codes and the container path layout in one place (cloudnative-pg pkg/management/url/url.go).

/** TCP ports of the CloudNativePG operand contract. */
export const PORTS = Object.freeze({
  postgres: 5432,
  status: 8000,
  metrics: 9187,
});

/** Process exit codes. 2 is a usage error, 4 is CNPG's MissingWALDiskSpaceExitCode. */
export const EXIT = Object.freeze({
  ok: 0,
  failure: 1,
  usage: 2,
  noWalSpace: 4,
  /**
   * Which part of `instance run` failed (the postmaster's is 1, as CNPG's: the kubelet restarts the pod). `role`:
   * a primary stopped because it is no longer targetPrimary; restarted, it comes back as a replica.
   */
  parts: Object.freeze({ postmaster: 1, bootstrap: 10, logPipes: 11, reaper: 12, servers: 13, specWatch: 14, volumeWatch: 15, role: 16, walChannel: 17, backups: 18 }),
});

/** The container layout: the scratch emptyDir mounted at /controller and PGDATA on the volume. */
export const CONTAINER_PATHS = Object.freeze({
  pgData: '/var/lib/postgresql/data/pgdata',
  /** spec.walStorage's volume holds pg_wal here (CNPG pkg/specs/volumes.go PgWalVolumePgWalPath). */
  pgWal: '/var/lib/postgresql/wal/pg_wal',
  /** Tablespace <name> lives in <this>/<name>/data (CNPG pkg/specs/volumes.go LocationForTablespace). */
  tablespaces: '/var/lib/postgresql/tablespaces',
  controller: '/controller',
});

/** File names under PGDATA that the manager owns (pkg/management/postgres/constants). */
export const PGDATA_FILES = Object.freeze({
  custom: 'custom.conf',
  override: 'override.conf',
  hba: 'pg_hba.conf',
  ident: 'pg_ident.conf',
  postgresqlConf: 'postgresql.conf',
  pid: 'postmaster.pid',
  /** Present until the first WAL is archived: the archive must be empty before then (CNPG CheckEmptyWalArchiveFile). */
  checkEmptyWalArchive: '.check-empty-wal-archive',
});

/** Base name of the logging collector's outputs (log_filename = 'postgres'). */
export const LOG_BASENAME = 'postgres';

/** The directory holding the PostgreSQL server binaries, overridable with PG_BIN. */
export const DEFAULT_PG_BIN = '/usr/lib/postgresql/15/bin';

/** Derived paths under the controller directory. */
export interface ControllerPaths {
  root: string;
  run: string;
  log: string;
  certificates: string;
  tmp: string;
  external: string;
}

/** Computes run/log/certificates/tmp below a controller root (`/controller` in a pod). */
export function controllerPaths(root: string): ControllerPaths {
  const join = (p: string): string => `${root.replace(/\/+$/, '')}/${p}`;
  return Object.freeze({
    root,
    run: join('run'),
    log: join('log'),
    certificates: join('certificates'),
    tmp: join('tmp'),
    external: join('external'),
  });
}

/** TLS file names under the certificates directory (CNPG's StreamingReplicaCertificateLocation and siblings in pkg/postgres). */
export const TLS_FILES = Object.freeze({
  serverCert: 'server.crt',
  serverKey: 'server.key',
  replicationCert: 'streaming_replica.crt',
  replicationKey: 'streaming_replica.key',
  clientCa: 'client-ca.crt',
  serverCa: 'server-ca.crt',
});

/**
 * The trust store of the manager's TLS servers: empty. Without `ca`, Node loads its ~140 public root
 * certificates into every context (a process-wide store, ~0.4 MiB resident on Node 24, kept for life), and no
 * server of ours trusts them: the status server pins the operator's client certificate by its key's
 * fingerprint (status/operator-auth.ts) and never reads `authorized`; the metrics server asks for no certificate.
 */
export const TRUST_NO_CA: string[] = [];

/** Where Kubernetes mounts the pod's ServiceAccount token, CA and namespace. */
export const DEFAULT_SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
