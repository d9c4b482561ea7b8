// The recovery step's dependencies, taken from what `prepareInstance` built; and whether this start needs it.
import { dirname, join } from 'node:path';
import { ManagerError } from '../errors.js';
import { readMarker } from '../bootstrap/bootstrap-marker.js';
import type { RecoveryStepOptions } from '../bootstrap/recovery-step.js';
import { BackupFiles } from '../backup/backup-objects.js';
import type { Prepared } from './prepare.js';

/** True when PGDATA is to be made by a recovery: none yet (or a recovery's leftovers) and the Cluster asks for one. */
export async function needsRecovery(p: Prepared): Promise<boolean> {
  if (p.pgState === 'initialised' || !p.cluster.spec.bootstrap.recovery) return false;
  if (p.pgState === 'bootstrap-pending') {
    const phase = await readMarker(p.config.pgData);
    if (phase === 'snapshot') throw new ManagerError('PGDATA', `PGDATA ${p.config.pgData} holds a recovery from a volume snapshot that did not finish: run \`instance restoresnapshot\` again (it goes on with this PGDATA)`);
    if (phase !== 'recovery') throw new ManagerError('PGDATA', `PGDATA ${p.config.pgData} holds an unfinished initdb bootstrap (phase ${String(phase)}), but spec.bootstrap asks for a recovery: move PGDATA away first`);
  }
  return true;
}

/** Options of runRecoveryStep for this instance. */
export function recoveryStepOptions(p: Prepared, beside: Promise<void>, closeConnections: () => Promise<void>): RecoveryStepOptions {
  const { config } = p;
  const files = config.statusFile ? new BackupFiles(join(dirname(config.statusFile), 'backups'), p.cluster.name) : undefined;
  return {
    pgBin: config.pgBin,
    pgData: config.pgData,
    socketDir: config.controller.run,
    cluster: p.cluster,
    registry: p.registry,
    root: p.root,
    db: p.db,
    budget: p.budget,
    getSecret: (name) => p.source.getSecret(name),
    readBackup: async (name) => {
      if (files) return files.read(name);
      // Kubernetes: the Backup object through the API (kube-source.ts getBackup).
      const source = p.source as Partial<{ getBackup: (n: string) => Promise<Record<string, unknown> | undefined> }>;
      if (typeof source.getBackup === 'function') return source.getBackup(name);
      throw new ManagerError('NOT_IMPLEMENTED', `spec.bootstrap.recovery.backup: the spec source ${p.source.description} cannot read Backup objects; use recovery.source`);
    },
    writeFiles: async () => void (await (await p.reconciler()).writeFiles(p.cluster)),
    beside,
    closeConnections,
    tablespacesDir: config.tablespacesDir,
    ...(config.volumeSnapshotsDir ? { snapshotsDir: config.volumeSnapshotsDir } : {}),
    ...(p.cluster.spec.walStorage ? { pgWal: config.pgWal } : {}),
  };
}
