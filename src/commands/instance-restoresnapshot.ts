// `instance restoresnapshot`: wiring only (CNPG internal/cmd/manager/instance/restoresnapshot/cmd.go, the
// command of the operator's snapshot-recovery Job). The flags are decoded and checked first, before the Cluster
// is loaded or anything is written; then the one-shot step (bootstrap/restoresnapshot-step.ts) runs with the
// reaper and the log pipes beside it, and PGDATA is left recovered and promoted, postgres stopped, for
// `instance run`.
import type { Config } from '../config/config.js';
import type { Flags } from '../config/flags.js';
import { ManagerError } from '../errors.js';
import { child, type Logger } from '../log/logger.js';
import { decodeSnapshotFlags } from '../bootstrap/snapshot-label.js';
import { runRestoreSnapshotStep } from '../bootstrap/restoresnapshot-step.js';
import { runOneShot } from './one-shot.js';
import { prepareInstance } from './prepare.js';
import { recoveryStepOptions } from './recovery-options.js';

const text = (v: string | boolean | undefined): string | undefined => (typeof v === 'string' ? v : undefined);

/** Recovers PGDATA restored from volume snapshots and exits; resolves with the process exit code. */
export async function instanceRestoreSnapshot(config: Config, flags: Flags, root: Logger): Promise<number> {
  const log = child(root, 'instance');
  if (flags.immediate === true) {
    // CNPG: a new replica made from snapshots, demoted to follow the primary (restore.go RestoreSnapshot).
    throw new ManagerError('NOT_IMPLEMENTED', 'instance restoresnapshot --immediate (a replica from volume snapshots) is not built: replicas are cloned with `instance join`');
  }
  const labels = decodeSnapshotFlags({ backuplabel: text(flags.backuplabel), tablespacemap: text(flags.tablespacemap) });
  const p = await prepareInstance(config, root, false);
  if (!p.cluster.spec.bootstrap.recovery) throw new ManagerError('USAGE', 'instance restoresnapshot: spec.bootstrap.recovery is not set in the Cluster (CNPG: "missing snapshot recovery stanza")');
  if (p.pgState === 'missing' || p.pgState === 'empty') {
    throw new ManagerError('PGDATA', `instance restoresnapshot: PGDATA ${config.pgData} is ${p.pgState === 'missing' ? 'missing' : 'empty'}: the PVC was not made from the VolumeSnapshot of spec.bootstrap.recovery.volumeSnapshots.storage`);
  }
  return runOneShot(p, {
    verb: 'restoresnapshot',
    step: async (signal, provisioned) => {
      await runRestoreSnapshotStep({ ...recoveryStepOptions(p, provisioned, () => p.db.close()), labels }, signal);
      log.info({ pgdata: config.pgData }, 'PGDATA recovered from the volume snapshots; postmaster stopped');
    },
    interrupted: (reason) => new ManagerError('RECOVERY', `instance restoresnapshot was interrupted (${reason}): PGDATA is kept; run it again`),
  });
}
