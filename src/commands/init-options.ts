// The bootstrap step's dependencies, taken from what `prepareInstance` built.
import type { InitStepOptions } from '../bootstrap/init-step.js';
import type { Prepared } from './prepare.js';
import { extensionEnv } from '../pgfiles/extension-paths.js';
import { refuseInitdbReplica } from '../spec/replica-mode.js';

/** Options of runInitStep for this instance; `beside` runs beside initdb (the embedded default's provisioning). */
export function initStepOptions(p: Prepared, beside: Promise<void>, closeConnections: () => Promise<void>): InitStepOptions {
  const { config } = p;
  // Only a PGDATA about to be made by initdb: a running primary cluster may be switched into replica mode.
  refuseInitdbReplica(p.cluster);
  return {
    pgBin: config.pgBin,
    pgData: config.pgData,
    socketDir: config.controller.run,
    spec: p.cluster.spec.bootstrap.initdb,
    registry: p.registry,
    root: p.root,
    db: p.db,
    budget: p.budget,
    writeFiles: async () => void (await (await p.reconciler()).writeFiles(p.cluster)),
    beside,
    whileInitdbRuns: p.preload,
    applyPasswords: async (pool) => (await p.reconciler()).applyPasswords(pool),
    closeConnections,
    sqlRefs: p.source,
    externalDir: config.controller.external,
    extraEnv: extensionEnv(p.cluster.spec.postgresql.extensions ?? [], process.env),
    extensions: (p.cluster.spec.postgresql.extensions?.length ?? 0) > 0,
    logicalDecodingSync: p.cluster.spec.replicationSlots.highAvailability.enabled && p.cluster.spec.replicationSlots.highAvailability.synchronizeLogicalDecoding,
    ...(p.cluster.spec.walStorage ? { pgWal: config.pgWal } : {}),
  };
}
