// The role-dependent files: override.conf (a replica's primary_conninfo, slot and timeline; empty on a primary)
// and the synchronous_standby_names value for custom.conf. The role comes from PGDATA, as in CNPG
// (instance_replica.go RefreshReplicaConfiguration): standby.signal => replica, else primary; the manager never
// decides a role on its own, it renders what the files and the Cluster's status say.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { primaryAddress } from '../config/primary-address.js';
import { PGDATA_FILES } from '../config/constants.js';
import { replicaConninfo, renderReplicaOverrideConf, slotNameForInstance } from '../pgfiles/replica-conf.js';
import { synchronousStandbyNames, type SyncStandbyInput, type Topology } from '../pgfiles/synchronous-standby.js';
import { synchronizedStandbySlots } from '../spec/validate-logical-decoding.js';
import type { Cluster } from '../spec/cluster.js';

/** Which postgres this PGDATA starts as. */
export type Role = 'primary' | 'replica';

/** Fixed for the life of the process: who we are and how the primary is reached. */
export interface ReplicationContext {
  podName: string;
  source: 'file' | 'kube';
  /** --primary-host. */
  primaryHost?: string | undefined;
  /** --primary-port (Kubernetes). */
  primaryPort?: number | undefined;
  /** --peer-port-base (embedded default). */
  peerPortBase?: number | undefined;
  certificatesDir: string;
}

/** standby.signal (or an old recovery.signal) in PGDATA => replica. */
export async function roleOnDisk(pgData: string): Promise<Role> {
  // eslint-disable-next-line security/detect-non-literal-fs-filename -- PGDATA
  const names = await readdir(pgData).catch(() => [] as string[]);
  return names.includes('standby.signal') || names.includes('recovery.signal') ? 'replica' : 'primary';
}

/** The instance the replicas follow: status.currentPrimary, else targetPrimary, else undefined. */
export function primaryName(cluster: Cluster): string | undefined {
  for (const key of ['currentPrimary', 'targetPrimary'] as const) {
    // eslint-disable-next-line security/detect-object-injection -- two literal keys
    const value = cluster.status[key];
    if (typeof value === 'string' && value !== '' && value !== 'pending') return value;
  }
  return undefined;
}

/** status.instanceNames as a list of strings. */
export function instanceNames(cluster: Cluster): string[] {
  const names = cluster.status.instanceNames;
  return Array.isArray(names) ? names.filter((n): n is string => typeof n === 'string' && n !== '') : [];
}

/** The conninfo of this instance's replication connection to `primary`, with extra pairs (join adds its own). */
export function conninfoTo(cluster: Cluster, ctx: ReplicationContext, primary: string, applicationName: string, extra: [string, string][] = []): string {
  const address = primaryAddress({ source: ctx.source, clusterName: cluster.name, primaryName: primary, primaryHost: ctx.primaryHost, primaryPort: ctx.primaryPort, peerPortBase: ctx.peerPortBase });
  return replicaConninfo({ host: address.host, port: address.port, applicationName, certificatesDir: ctx.certificatesDir, extra });
}

/**
 * override.conf's content: on a primary the file as it is (a promoted replica keeps its recovery settings, as
 * CNPG's RefreshReplicaConfiguration leaves a primary's file alone: recovery_target_timeline cannot be unset
 * without a restart, and primary_conninfo is ignored outside recovery); on a replica the primary's conninfo (with CNPG's
 * tcp_user_timeout='5000', so a dead primary is noticed in seconds), the HA slot when enabled and the latest
 * timeline. While no primary is known the file on disk is kept.
 */
export async function overrideConfText(pgData: string, cluster: Cluster, role: Role, ctx: ReplicationContext): Promise<string> {
  const primary = primaryName(cluster);
  if (role === 'primary' || primary === undefined || primary === ctx.podName) {
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- PGDATA/override.conf
    return readFile(join(pgData, PGDATA_FILES.override), 'utf8').catch(() => '');
  }
  const slots = cluster.spec.replicationSlots.highAvailability;
  return renderReplicaOverrideConf({
    primaryConninfo: conninfoTo(cluster, ctx, primary, ctx.podName, [['tcp_user_timeout', '5000']]),
    slotName: slots.enabled ? slotNameForInstance(ctx.podName, slots.slotPrefix) : undefined,
  });
}

/** The inputs of synchronous_standby_names for this Cluster version (status as read), `primary` rendering it. */
export function syncStandbyInput(cluster: Cluster, primary: string): SyncStandbyInput {
  const healthy = (cluster.status.instancesStatus as { healthy?: unknown } | undefined)?.healthy;
  return {
    clusterName: cluster.name,
    primary,
    instanceNames: instanceNames(cluster),
    healthy: Array.isArray(healthy) ? healthy.filter((n): n is string => typeof n === 'string') : [],
    synchronous: cluster.spec.postgresql.synchronous,
    minSyncReplicas: cluster.spec.minSyncReplicas,
    maxSyncReplicas: cluster.spec.maxSyncReplicas,
    electionConstraint: cluster.spec.postgresql.syncReplicaElectionConstraint !== undefined,
    topology: statusTopology(cluster.status.topology),
  };
}

/** synchronous_standby_names for this Cluster version, or undefined (asynchronous). */
export function syncStandbyNames(cluster: Cluster, ctx: ReplicationContext): string | undefined {
  return synchronousStandbyNames(syncStandbyInput(cluster, primaryName(cluster) ?? ctx.podName));
}

/** synchronized_standby_slots: the HA slots of every instance but the primary (synchronizeLogicalDecoding). */
export function standbySlots(cluster: Cluster, ctx: ReplicationContext, pgMajor: number): string | undefined {
  const primary = primaryName(cluster) ?? ctx.podName;
  const prefix = cluster.spec.replicationSlots.highAvailability.slotPrefix;
  const others = instanceNames(cluster).filter((n) => n !== primary);
  return synchronizedStandbySlots(cluster.spec, pgMajor, others, (n) => slotNameForInstance(n, prefix));
}

/** status.topology as CNPG's operator writes it ({instances: {pod: {label: value}}, successfullyExtracted}); odd shapes ignored. */
export function statusTopology(raw: unknown): Topology | undefined {
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObject(raw) || !isObject(raw.instances)) return undefined;
  const instances = new Map<string, Map<string, string>>();
  for (const [name, labels] of Object.entries(raw.instances)) {
    if (!isObject(labels)) continue;
    instances.set(name, new Map(Object.entries(labels).filter((e): e is [string, string] => typeof e[1] === 'string')));
  }
  return { instances, successfullyExtracted: raw.successfullyExtracted === true };
}
