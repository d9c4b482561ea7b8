// The join step's dependencies, taken from what `prepareInstance` built: the source to re-read, how the
// primary is reached (src/config/primary-address.ts) and the files the new replica needs.
import { primaryAddress } from '../config/primary-address.js';
import type { JoinStepOptions } from '../bootstrap/join-step.js';
import { replicationContext, type Prepared } from './prepare.js';

/** Options of runJoinStep for this instance; `beside` must finish before the clone (the embedded default's provisioning). */
export async function joinStepOptions(p: Prepared, beside: Promise<void>): Promise<JoinStepOptions> {
  const { config } = p;
  // Loaded on use, as the reconciler is (prepare.ts): an ordinary start does not pay for them before the spawn.
  const [{ writeCertificateFiles }, { conninfoTo, overrideConfText, primaryName }] = await Promise.all([import('../reconcile/config-files.js'), import('../reconcile/replica-files.js')]);
  const ctx = replicationContext(config, p.state.podName);
  return {
    pgBin: config.pgBin,
    pgData: config.pgData,
    podName: p.state.podName,
    certificatesDir: config.controller.certificates,
    registry: p.registry,
    root: p.root,
    load: () => p.source.load(),
    beside,
    writeCertificates: (cluster) => writeCertificateFiles(cluster, p.source, config.controller.certificates),
    primaryOf: (cluster) => {
      const name = primaryName(cluster);
      return name === p.state.podName ? undefined : name;
    },
    addressOf: (cluster, primary) =>
      primaryAddress({ source: config.source, clusterName: cluster.name, primaryName: primary, primaryHost: config.primaryHost, primaryPort: config.primaryPort, peerPortBase: config.peerPortBase }),
    conninfo: (cluster, primary, applicationName, extra) => conninfoTo(cluster, ctx, primary, applicationName, extra),
    // Rendered as the replica will run (its own application_name and slot), so the first start streams at once.
    overrideConf: (cluster) => overrideConfText(config.pgData, cluster, 'replica', ctx),
    tablespacesDir: config.tablespacesDir,
    ...(p.cluster.spec.walStorage ? { pgWal: config.pgWal } : {}),
  };
}
