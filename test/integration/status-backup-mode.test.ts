// /pg/mode/backup against a real postgres: the operator starts an online backup, the held session keeps a
// temporary slot from the start LSN, stop hands back the backup_label of that backup, a later start works,
// and only the registered operator certificate may call it.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { PG_BIN, processesMentioning, startManager, type ManagerHandle } from '../helpers/manager.js';
import { waitUntil } from '../helpers/lifecycle-procs.js';
import { errorOf, statusRequest, waitForStatus } from '../helpers/status-client.js';
import { operatorBackupRequest } from '../helpers/online-backup.js';

let h: ManagerHandle | undefined;
after(async () => {
  await h?.stop();
  for (const pid of h ? processesMentioning(h.dir) : []) process.kill(pid, 'SIGKILL');
});

function psql(h: ManagerHandle, sql: string): string {
  return execFileSync('runuser', ['-u', 'postgres', '--', join(PG_BIN, 'psql'), '-X', '-At', '-h', join(h.stateDir, 'controller', 'run'), '-p', String(h.port), '-d', 'postgres', '-c', sql], { encoding: 'utf8' }).trim();
}

interface BackupData {
  beginLSN?: string;
  endLSN?: string;
  labelFile?: string;
  backupName?: string;
  phase?: string;
}

test('online backup through /pg/mode/backup: start, held session, stop with the label, start again', { skip: process.getuid?.() !== 0 && 'needs root (psql as postgres)' }, async () => {
  h = await startManager();
  await h.waitForLine((l) => l.msg === 'instance ready', 60_000, 'instance ready');
  const base = await operatorBackupRequest(h, 't1');
  const call = async (method: string, body?: unknown): Promise<{ status: number; json: { data?: BackupData & { data?: BackupData }; error?: { code: string; message: string } } }> => {
    const r = await statusRequest({ ...base, method, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: r.status, json: JSON.parse(r.body) as never };
  };

  // Anyone else is refused, whatever the method.
  const anonymous = await statusRequest({ port: h.statusPort, path: '/pg/mode/backup', ca: base.ca, method: 'POST', body: '{"backupName":"x"}' });
  assert.equal(anonymous.status, 401);
  assert.deepEqual((await call('GET')).json, { data: {} });

  const posted = await call('POST', { backupName: 'snap-1', immediateCheckpoint: true, waitForArchive: false });
  assert.equal(posted.status, 200);
  assert.deepEqual(posted.json.data?.data, { backupName: 'snap-1', phase: 'starting' });
  const started = await waitForStatus(base, (r) => (JSON.parse(r.body) as { data?: BackupData }).data?.phase === 'started', 30_000, 'phase started');
  const beginLSN = (JSON.parse(started.body) as { data: BackupData }).data.beginLSN ?? '';
  assert.match(beginLSN, /^[0-9A-F]+\/[0-9A-F]+$/);

  // The held session: one backend of ours, a temporary slot named after the backup that reserves WAL.
  assert.equal(psql(h, "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'pg-instance-manager-backup'"), '1');
  assert.equal(psql(h, "SELECT temporary::text || ' ' || (restart_lsn IS NOT NULL)::text FROM pg_replication_slots WHERE slot_name = 'snap_1'"), 'true true');
  // A second start refused while the first one is in flight is the unit test's job; a PUT naming another backup is refused here.
  const wrongName = await call('PUT', { backupName: 'snap-0' });
  assert.equal(wrongName.status, 422);
  assert.equal(wrongName.json.error?.code, 'NOT_CURRENT_RUNNING_BACKUP');
  psql(h, 'CREATE TABLE during_backup AS SELECT 1 AS x');

  const put = await call('PUT', { backupName: 'snap-1' });
  assert.equal(put.status, 200);
  const done = await waitForStatus(base, (r) => (JSON.parse(r.body) as { data?: BackupData }).data?.phase === 'completed', 30_000, 'phase completed');
  const data = (JSON.parse(done.body) as { data: BackupData }).data;
  const label = Buffer.from(data.labelFile ?? '', 'base64').toString();
  assert.ok(label.startsWith(`START WAL LOCATION: ${beginLSN} (file `), label);
  assert.match(label, /^LABEL: snap-1$/m);
  assert.match(data.endLSN ?? '', /^[0-9A-F]+\/[0-9A-F]+$/);
  // Stop closed the session, which dropped the temporary slot.
  const held = h;
  await waitUntil(() => psql(held, "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'snap_1'") === '0' || undefined, 10_000, 'the slot dropped');
  assert.equal(psql(h, "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'pg-instance-manager-backup'"), '0');
  assert.equal((await call('PUT', { backupName: 'snap-1' })).json.error?.code, 'CANNOT_CLOSE_NOT_STARTED');

  // A later start works, and a smart stop of the manager is not held up by its session.
  assert.equal((await call('POST', { backupName: 'snap-2', immediateCheckpoint: true })).status, 200);
  await waitForStatus(base, (r) => (JSON.parse(r.body) as { data?: BackupData }).data?.phase === 'started', 30_000, 'second backup started');
  const t0 = Date.now();
  const exit = await h.stop();
  assert.equal(exit.code, 0, h.stderr());
  assert.ok(Date.now() - t0 < 20_000, `stopped in ${Date.now() - t0} ms`);
  assert.equal(errorOf(anonymous.body).code, 'UNAUTHORIZED');
});
