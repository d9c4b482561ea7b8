// The external clone step's dependencies (bootstrap/clone-external-step.ts), taken from what `prepareInstance`
// built: the source to re-read, the external cluster's files and conninfo, the designated primary's override.conf.
import type { CloneExternalOptions } from '../bootstrap/clone-external-step.js';
import { isReplicaCluster } from '../spec/replica-mode.js';
import { replicationContext, type Prepared } from './prepare.js';

/** True when this start clones an external cluster: an empty PGDATA of the target primary with spec.bootstrap.pg_basebackup. */
export function clonesExternal(p: Prepared, joins: boolean): boolean {
  return (p.pgState === 'empty' || p.pgState === 'missing') && !joins && p.cluster.spec.bootstrap.pgBasebackup !== undefined;
}

/** Options of runCloneExternalStep for this instance. */
export async function cloneOptions(p: Prepared, beside: Promise<void>): Promise<CloneExternalOptions> {
  const { config } = p;
  const [{ applyPassfiles, planPassfiles }, { externalSourceConninfo }, { designatedPrimaryOverride }] = await Promise.all([
    import('../reconcile/pgpass-files.js'),
    import('../reconcile/external-source.js'),
    import('../reconcile/replica-files.js'),
  ]);
  const dir = config.controller.external;
  return {
    pgBin: config.pgBin,
    pgData: config.pgData,
    registry: p.registry,
    root: p.root,
    load: () => p.source.load(),
    beside,
    writeExternalFiles: async (cluster) => void (await applyPassfiles(await planPassfiles({ cluster, source: p.source, controller: config.controller, port: config.port }))),
    // The sender timeout is off for the copy only (CNPG pgbasebackup/cmd.go), as for a join.
    conninfo: (cluster) => externalSourceConninfo(cluster, cluster.spec.bootstrap.pgBasebackup?.source ?? '', dir, 'spec.bootstrap.pg_basebackup.source', [['connect_timeout', '5'], ['options', '-c wal_sender_timeout=0s']]),
    standbyOverride: (cluster) => (isReplicaCluster(cluster) ? designatedPrimaryOverride(cluster, replicationContext(config, p.state.podName)) : undefined),
    report: (reason) => p.source.patchStatus({ phase: 'Setting up primary', phaseReason: reason ?? null }),
  };
}
