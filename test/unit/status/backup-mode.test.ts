// The /pg/mode/backup state machine with a hand-written session: CNPG's phases, bodies and error codes
// (webserver/remote.go), the in-progress refusal, and the session closed on stop, failure and shutdown.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { BackupMode } from '../../../src/status/backup-mode.js';
import type { BackupSession } from '../../../src/db/backup-session.js';

const log = pino({ level: 'silent' });

interface Gate {
  promise: Promise<void>;
  open: () => void;
}
function gate(): Gate {
  let open = (): void => undefined;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

class FakeSession implements BackupSession {
  calls: string[] = [];
  closed = false;
  startGate: Gate | undefined;
  failStart: Error | undefined;
  failPing = false;
  createSlot(slot: string): Promise<void> {
    this.calls.push(`slot ${slot}`);
    return Promise.resolve();
  }
  async start(label: string, fast: boolean): Promise<string> {
    this.calls.push(`start ${label} ${fast}`);
    await this.startGate?.promise;
    if (this.failStart) throw this.failStart;
    return '0/2000028';
  }
  stop(wait: boolean): Promise<{ lsn: string; labelFile: string; spcmapFile: string }> {
    this.calls.push(`stop ${wait}`);
    return Promise.resolve({ lsn: '0/2000100', labelFile: 'START WAL LOCATION: 0/2000028\n', spcmapFile: '' });
  }
  ping(): Promise<void> {
    return this.failPing ? Promise.reject(new Error('connection lost')) : Promise.resolve();
  }
  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}

function machine(sessions: FakeSession[], janitorMs?: number, backupObject?: (name: string) => Promise<'gone' | 'done' | 'present' | 'unknown'>): BackupMode {
  let i = 0;
  return new BackupMode({ log, janitorMs, backupObject, open: () => (i < sessions.length ? Promise.resolve(sessions[i++] as FakeSession) : Promise.reject(new Error('no more connections'))) });
}

const start = (name: string, extra: Record<string, unknown> = {}): string => JSON.stringify({ backupName: name, immediateCheckpoint: true, waitForArchive: false, ...extra });

test('start, started, stop, completed: the label comes back base64 and the session is closed', async () => {
  const s = new FakeSession();
  const m = machine([s, new FakeSession()]);
  assert.deepEqual(await m.handle('GET', ''), { status: 200, body: { data: {} } });
  const posted = await m.handle('POST', start('snap-1.x'));
  assert.deepEqual(posted, { status: 200, body: { data: { data: { backupName: 'snap-1.x', phase: 'starting' } } } });
  await m.settled;
  assert.deepEqual(s.calls, ['slot snap_1_x', 'start snap-1.x true']);
  assert.deepEqual(await m.handle('GET', ''), { status: 200, body: { data: { backupName: 'snap-1.x', phase: 'started', beginLSN: '0/2000028' } } });
  const put = await m.handle('PUT', JSON.stringify({ backupName: 'snap-1.x' }));
  assert.equal(put.status, 200);
  assert.equal((put.body as { data: { data: { phase: string } } }).data.data.phase, 'closing');
  await m.settled;
  assert.equal(s.closed, true, 'the session ends with the backup');
  const done = (await m.handle('GET', '')).body as { data: Record<string, string> };
  assert.equal(done.data.phase, 'completed');
  assert.equal(done.data.endLSN, '0/2000100');
  assert.equal(Buffer.from(done.data.labelFile ?? '', 'base64').toString(), 'START WAL LOCATION: 0/2000028\n');
  assert.equal('spcmapFile' in done.data, false, 'an empty map is left out, as Go omitempty does');
  // A later start works.
  assert.equal((await m.handle('POST', start('snap-2'))).status, 200);
  await m.settled;
  assert.equal(((await m.handle('GET', '')).body as { data: { phase: string } }).data.phase, 'started');
});

test('a request while the start step runs is refused with ANOTHER_REQUEST_IN_PROGRESS', async () => {
  const s = new FakeSession();
  s.startGate = gate();
  const m = machine([s, new FakeSession()]);
  await m.handle('POST', start('a'));
  for (const [method, body] of [['POST', start('b')], ['GET', ''], ['PUT', '{"backupName":"a"}']] as const) {
    assert.deepEqual(await m.handle(method, body), { status: 422, body: { error: { code: 'ANOTHER_REQUEST_IN_PROGRESS', message: '' } } }, method);
  }
  s.startGate.open();
  await m.settled;
  assert.equal(((await m.handle('GET', '')).body as { data: { phase: string } }).data.phase, 'started');
});

test('a start after `started` replaces the running backup and closes its session', async () => {
  const first = new FakeSession();
  const second = new FakeSession();
  const m = machine([first, second]);
  await m.handle('POST', start('a'));
  await m.settled;
  await m.handle('POST', start('b'));
  assert.equal(first.closed, true);
  await m.settled;
  assert.deepEqual(await m.handle('PUT', '{"backupName":"a"}'), { status: 422, body: { error: { code: 'NOT_CURRENT_RUNNING_BACKUP', message: 'Phase is: started' } } });
});

test('error codes: bad body, no backup, not started, failed start, no connection', async () => {
  const failing = new FakeSession();
  failing.failStart = new Error('a backup is already in progress in this session');
  const m = machine([failing]);
  assert.deepEqual(await m.handle('POST', 'not json'), { status: 400, body: { error: { code: 'FAILED_TO_PARSE_REQUEST', message: 'Failed to parse request body' } } });
  assert.deepEqual(await m.handle('POST', '{"immediateCheckpoint":"yes"}'), { status: 400, body: { error: { code: 'FAILED_TO_PARSE_REQUEST', message: 'Failed to parse request body' } } });
  assert.deepEqual(await m.handle('PUT', '{"backupName":"x"}'), { status: 400, body: { error: { code: 'NO_ONGOING_BACKUP', message: '' } } });
  await m.handle('POST', start('x'));
  await m.settled;
  assert.equal(failing.closed, true, 'a failed start closes its session');
  const status = (await m.handle('GET', '')).body as { data: { phase: string }; error: { code: string; message: string } };
  assert.equal(status.data.phase, 'starting');
  assert.equal(status.error.code, 'BACKUP_STATUS_CONTAINS_ERROR');
  assert.match(status.error.message, /^while scanning backup start: a backup is already in progress/);
  assert.equal(((await m.handle('PUT', '{"backupName":"x"}')).body as { error: { code: string } }).error.code, 'BACKUP_FAILED');
  const refused = await m.handle('POST', start('y'));
  assert.equal(refused.status, 422);
  assert.deepEqual(refused.body, { error: { code: 'CANNOT_INITIALIZE_CONNECTION', message: 'no more connections' } });
});

test('a second PUT after the backup completed is CANNOT_CLOSE_NOT_STARTED', async () => {
  const s = new FakeSession();
  const m = machine([s]);
  await m.handle('POST', start('x'));
  await m.settled;
  await m.handle('PUT', '{"backupName":"x"}');
  await m.settled;
  const again = await m.handle('PUT', '{"backupName":"x"}');
  assert.deepEqual(again, { status: 422, body: { error: { code: 'CANNOT_CLOSE_NOT_STARTED', message: 'Phase is: completed' } } });
});

test('shutdown closes the held session and GET reports the backup as failed', async () => {
  const s = new FakeSession();
  const m = machine([s]);
  await m.handle('POST', start('x'));
  await m.settled;
  await m.close();
  assert.equal(s.closed, true);
  const body = (await m.handle('GET', '')).body as { error: { code: string; message: string } };
  assert.equal(body.error.code, 'BACKUP_STATUS_CONTAINS_ERROR');
  assert.match(body.error.message, /postgres is stopping/);
});

test('the janitor closes a session that no longer answers', async () => {
  const s = new FakeSession();
  const m = machine([s], 20);
  await m.handle('POST', start('x'));
  await m.settled;
  s.failPing = true;
  const deadline = Date.now() + 5_000;
  while (!s.closed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  assert.equal(s.closed, true);
  const body = (await m.handle('GET', '')).body as { data: { phase: string }; error: { message: string } };
  assert.equal(body.data.phase, 'completed');
  assert.match(body.error.message, /^error while pinging: connection lost/);
  await m.close();
});

test('the janitor closes the session once the Backup object is gone, and keeps it while it is present', async () => {
  const s = new FakeSession();
  let state: 'gone' | 'present' | 'unknown' = 'present';
  let asked = 0;
  const m = machine([s], 20, (name) => {
    asked++;
    assert.equal(name, 'x');
    return Promise.resolve(state);
  });
  await m.handle('POST', start('x'));
  await m.settled;
  const deadline = Date.now() + 5_000;
  while (asked < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  assert.equal(s.closed, false, 'a present Backup keeps its session');
  state = 'unknown';
  const later = asked + 2;
  while (asked < later && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  assert.equal(s.closed, false, 'an API that cannot answer closes nothing');
  state = 'gone';
  while (!s.closed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  assert.equal(s.closed, true);
  const body = (await m.handle('GET', '')).body as { data: { phase: string }; error: { message: string } };
  assert.equal(body.data.phase, 'completed');
  assert.equal(body.error.message, 'backup x not found');
  await m.close();
});
