// The one object the servers (status :8000, metrics :9187) read: written by the reconcile path and the
// supervisor, never blocking on postgres.
import { randomUUID } from 'node:crypto';

export interface InstanceState {
  /** Random per process start (CNPG sessionID: detects restarts during backups). */
  readonly sessionId: string;
  clusterName: string;
  podName: string;
  postmasterPid: number | undefined;
  ready: boolean;
  configSha256: string;
  filesSha256: string;
  loadedConfigSha256: string;
  pendingRestart: boolean;
  pendingRestartSettings: string[];
  lastReloadAt: string | undefined;
  lastError: string | undefined;
  /** From PGDATA's files at the last reconcile: standby.signal => replica. */
  role: 'primary' | 'replica';
  /** The backup catalog's times (ms since the epoch), for the backup metrics. */
  backups: BackupTimes;
  /** A phase a part holds until it clears it (a promotion waiting on its token): each reconcile's status patch keeps it. */
  heldPhase?: { phase: string; reason: string } | undefined;
}

/** CNPG's backup metrics: cnpg_collector_first_recoverability_point and its two siblings. */
export interface BackupTimes {
  firstRecoverabilityPoint?: number;
  lastAvailableBackup?: number;
  lastFailedBackup?: number;
}

/** A fresh state for this process. */
export function createInstanceState(clusterName: string, podName: string): InstanceState {
  return {
    sessionId: randomUUID(),
    clusterName,
    podName,
    postmasterPid: undefined,
    ready: false,
    configSha256: '',
    filesSha256: '',
    loadedConfigSha256: '',
    pendingRestart: false,
    pendingRestartSettings: [],
    lastReloadAt: undefined,
    lastError: undefined,
    role: 'primary',
    backups: {},
  };
}
