// Command-line parsing with CNPG-compatible argv (`instance run --pg-data ...`); env fallbacks live in config.ts.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ManagerError } from '../errors.js';

/** Every flag the manager accepts, with its type. Unknown flags are a usage error. */
export const FLAG_SPEC = {
  'pg-data': { type: 'string' },
  'pg-wal': { type: 'string' },
  'tablespaces-dir': { type: 'string' },
  'volume-snapshots-dir': { type: 'string' },
  'pod-name': { type: 'string' },
  'cluster-name': { type: 'string' },
  namespace: { type: 'string' },
  'log-level': { type: 'string' },
  'status-port-tls': { type: 'boolean' },
  'metrics-port-tls': { type: 'boolean' },
  'cluster-manifest': { type: 'string' },
  'secrets-dir': { type: 'string' },
  'configmaps-dir': { type: 'string' },
  'state-dir': { type: 'string' },
  'status-file': { type: 'string' },
  'controller-dir': { type: 'string' },
  'run-as': { type: 'string' },
  'pg-bin': { type: 'string' },
  port: { type: 'string' },
  'listen-addresses': { type: 'string' },
  'status-port': { type: 'string' },
  'metrics-port': { type: 'string' },
  'on-postmaster-exit': { type: 'string' },
  // Kubernetes source: ServiceAccount mount, start-up gate deadline; `rbac --cluster FILE`.
  'kube-sa-dir': { type: 'string' },
  'kube-startup-timeout': { type: 'string' },
  'peer-status-port': { type: 'string' },
  // Replication: where the primary is reached (src/config/primary-address.ts).
  'primary-host': { type: 'string' },
  'primary-port': { type: 'string' },
  'peer-port-base': { type: 'string' },
  cluster: { type: 'string' },
  // `backup NAME`: the Backup's method and volume-snapshot settings (CNPG's `kubectl cnpg backup` options).
  method: { type: 'string' },
  online: { type: 'string' },
  'immediate-checkpoint': { type: 'string' },
  'wait-for-archive': { type: 'string' },
  // `instance restoresnapshot` (CNPG's snapshot-recovery Job): base64 backup_label / tablespace_map; --immediate.
  backuplabel: { type: 'string' },
  tablespacemap: { type: 'string' },
  immediate: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

export type FlagName = keyof typeof FLAG_SPEC;
export type Flags = Partial<Record<FlagName, string | boolean>>;

export const COMMANDS = ['instance init', 'instance join', 'instance pgbasebackup', 'instance restore', 'instance restoresnapshot', 'instance run', 'instance status', 'rbac', 'backup', 'backups', 'local-cluster up', 'local-cluster switchover', 'local-cluster status'] as const;
export type Command = (typeof COMMANDS)[number];

export interface ParsedArgv {
  command: Command | 'help';
  flags: Flags;
  /** Words after the command (`local-cluster switchover <instance>`, `backup NAME`). */
  args: string[];
}

/** Parses argv (without node and script); throws a USAGE ManagerError naming the bad flag or value. */
export function parseArgv(argv: readonly string[]): ParsedArgv {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: FLAG_SPEC, allowPositionals: true, strict: true });
  } catch (err) {
    // node:util messages already name the flag ("Unknown option '--foo'", "Option '--pg-data <value>' argument missing").
    throw new ManagerError('USAGE', (err as Error).message.replace(/\. To specify a positional.*$/s, ''));
  }
  const flags = parsed.values as Flags;
  // `backup NAME`: the one command with an operand (CNPG internal/cmd/manager/backup/cmd.go).
  if (parsed.positionals[0] === 'backup') {
    if (parsed.positionals.length !== 2) throw new ManagerError('USAGE', 'usage: backup NAME (the name of the Backup object)');
    return { command: 'backup', flags, args: parsed.positionals.slice(1) };
  }
  const words = parsed.positionals.join(' ');
  if (flags.help === true || words === '' || words === 'help') return { command: 'help', flags, args: [] };
  // `local-cluster switchover <instance>` is the one command with an argument.
  const withArg = parsed.positionals.slice(0, 2).join(' ') === 'local-cluster switchover';
  const command = withArg ? 'local-cluster switchover' : COMMANDS.find((c) => c === words);
  if (!command) {
    throw new ManagerError('USAGE', `unknown command '${words}' (expected one of: ${COMMANDS.join(', ')})`);
  }
  return { command, flags, args: withArg ? parsed.positionals.slice(2) : [] };
}

/** The text printed by --help. */
export function usageText(): string {
  return [
    'usage: pg-instance-manager instance <init|join|restore|run|status> [flags]',
    '',
    'CloudNativePG-compatible flags (env fallback):',
    '  --pg-data DIR (PGDATA)  --pod-name NAME (POD_NAME)  --cluster-name NAME (CLUSTER_NAME)',
    '  --namespace NS (NAMESPACE)  --log-level error|warning|info|debug|trace',
    '  --status-port-tls  --metrics-port-tls',
    '',
    'Embedded default (a manifest and a secrets folder stand in for the Kubernetes API):',
    '  --cluster-manifest FILE   a postgresql.cnpg.io/v1 Cluster YAML',
    '  --state-dir DIR           where PGDATA, sockets, logs, secrets and status live (default .state)',
    '  --pg-wal DIR              pg_wal\'s folder with spec.walStorage (default STATE/pg_wal; container',
    '                            /var/lib/postgresql/wal/pg_wal)',
    '  --tablespaces-dir DIR     tablespace NAME lives in DIR/NAME/data (default STATE/tablespaces; container',
    '                            /var/lib/postgresql/tablespaces)',
    '  --volume-snapshots-dir DIR  VolumeSnapshot NAME (of a recovery, or made by a volumeSnapshot Backup) is',
    '                            the folder DIR/NAME (default STATE/volume-snapshots; docs/storage.md)',
    '  --secrets-dir DIR         one folder per Secret, one file per key (default STATE/secrets)',
    '  --configmaps-dir DIR      one folder per ConfigMap, one file per key (default STATE/configmaps)',
    '  --status-file FILE        the Cluster status, as patched by the manager (default STATE/status.json)',
    '  --port N  --listen-addresses ADDRS  --status-port N  --metrics-port N',
    '  --on-postmaster-exit restart|exit   (default: restart locally, exit in a container)',
    '  --peer-port-base N        instance <cluster>-N listens on N-1 above this port (default 5432): how a',
    '                            replica finds its primary locally',
    '',
    'Replication: --primary-host HOST   the primary\'s host (default <cluster>-rw in Kubernetes, 127.0.0.1 locally)',
    '             --primary-port N      Kubernetes: the port of the <cluster>-rw Service (default 5432)',
    '',
    'Kubernetes source (no --cluster-manifest):',
    '  --kube-sa-dir DIR         ServiceAccount mount (default /var/run/secrets/kubernetes.io/serviceaccount);',
    '                            the API server is KUBERNETES_SERVICE_HOST:KUBERNETES_SERVICE_PORT, always https',
    '  --kube-startup-timeout S  how long to wait for our Cluster at start-up (default 40)',
    '  --peer-status-port N      the status port the isolation check pings on other instances (default --status-port)',
    '',
    'pg-instance-manager rbac --cluster FILE   print the ServiceAccount, Role and RoleBinding a Cluster needs',
    'pg-instance-manager backup NAME [--state-dir DIR]   take a base backup into spec.backup.barmanObjectStore',
    '  --method barmanObjectStore|volumeSnapshot  --online true|false  --immediate-checkpoint true|false',
    '  --wait-for-archive true|false   (volumeSnapshot: copies into --volume-snapshots-dir; docs/backups.md)',
    'pg-instance-manager backups [--state-dir DIR]       list the backups and the recoverability window',
    'pg-instance-manager instance restore     bootstrap PGDATA from spec.bootstrap.recovery, then exit',
    'pg-instance-manager instance pgbasebackup   clone spec.bootstrap.pg_basebackup.source into PGDATA, then exit',
    'pg-instance-manager instance restoresnapshot [--backuplabel B64 --tablespacemap B64]   recover a PGDATA the',
    '                            operator restored from VolumeSnapshots, then exit (docs/backups.md)',
    '',
    'pg-instance-manager local-cluster up|status|switchover INSTANCE --cluster-manifest FILE [--state-dir DIR]',
    '  one instance manager per instance (instances >= 2), instance N on --port/--status-port/--metrics-port + N-1;',
    '  up also plays the operator locally (instanceNames, failover past failoverDelay); switchover sets targetPrimary',
    '',
    'Process:',
    '  --run-as USER (when started as root; default postgres)  --pg-bin DIR (PG_BIN)  --controller-dir DIR',
  ].join('\n');
}
