// `backup NAME` in Kubernetes mode: a volumeSnapshot Backup (by its object's spec.method, or --method) is the
// operator's to take, and the manager says so instead of running anything; a barmanObjectStore one still runs,
// and a second request while one runs is refused as busy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BackupBusyError, type BackupRunner } from '../../../src/backup/backup-runner.js';
import { dispatchBackup } from '../../../src/commands/snapshot-backup-wiring.js';
import type { Prepared } from '../../../src/commands/prepare.js';
import type { Cluster } from '../../../src/spec/cluster.js';

function kube(spec: Record<string, unknown> | undefined, running?: string): { started: string[]; d: Parameters<typeof dispatchBackup>[0] } {
  const started: string[] = [];
  const barman = { running, start: (name: string) => (started.push(name), Promise.resolve('backup-20261207000000')) } as unknown as BackupRunner;
  const p = { source: { getBackup: () => Promise.resolve(spec === undefined ? undefined : { spec }) }, state: { podName: 'pg-1', sessionId: 's' } } as unknown as Prepared;
  return { started, d: { p, cluster: () => ({}) as Cluster, barman, snapshots: undefined, local: undefined } };
}

test('Kubernetes: a volumeSnapshot Backup is refused, naming the operator; nothing runs', async () => {
  const byObject = kube({ method: 'volumeSnapshot', cluster: { name: 'pg' } });
  await assert.rejects(dispatchBackup(byObject.d, 'snap', {}), /Backup "snap" has method volumeSnapshot: in Kubernetes the operator takes volume snapshots/);
  const byFlag = kube(undefined);
  await assert.rejects(dispatchBackup(byFlag.d, 'snap', { method: 'volumeSnapshot' }), /the operator takes volume snapshots/);
  assert.deepEqual([...byObject.started, ...byFlag.started], []);
});

test('Kubernetes: a barmanObjectStore Backup runs; a second one while it runs is busy', async () => {
  const ok = kube({ method: 'barmanObjectStore' });
  assert.deepEqual(await dispatchBackup(ok.d, 'b1', {}), { method: 'barmanObjectStore', backupName: 'backup-20261207000000' });
  assert.deepEqual(ok.started, ['b1']);
  const busy = kube(undefined, 'b0');
  await assert.rejects(dispatchBackup(busy.d, 'b2', {}), (err: unknown) => err instanceof BackupBusyError);
});
