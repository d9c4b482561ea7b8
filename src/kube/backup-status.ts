// Backup status writes for the backup work: a JSON merge patch of `.status` with the resourceVersion
// precondition, re-read and retried on 409 (CNPG pkg/resources/status/backup.go patches with retries).
import { setTimeout as sleep } from 'node:timers/promises';
import { isStatus, metaString, type KubeApi } from './kube-api.js';

/** The Backup status fields the instance manager fills (api/v1 BackupStatus). */
export interface BackupStatusPatch {
  phase?: 'started' | 'running' | 'walArchivingFailing' | 'finalizing' | 'completed' | 'failed';
  startedAt?: string;
  stoppedAt?: string;
  error?: string | null;
  backupId?: string;
  backupName?: string;
  beginWal?: string;
  endWal?: string;
  beginLSN?: string;
  endLSN?: string;
  method?: string;
  [field: string]: unknown;
}

const STEPS = 5;

/** Patches Backup `name`; throws the API error when it is not a conflict or the retries run out. */
export async function patchBackupStatus(api: KubeApi, name: string, patch: BackupStatusPatch): Promise<void> {
  for (let step = 1; ; step++) {
    const version = metaString(await api.getBackup(name), 'resourceVersion');
    try {
      await api.patchBackupStatus(name, { metadata: { resourceVersion: version }, status: patch });
      return;
    } catch (err) {
      if (!isStatus(err, 409) || step >= STEPS) throw err;
      await sleep(10 * step);
    }
  }
}
