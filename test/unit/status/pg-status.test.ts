import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PgStatus } from '../../../src/status/pg-status.js';
import { createInstanceState } from '../../../src/model/instance-state.js';
import type { StatusRow } from '../../../src/db/status-queries.js';
import type { Pool } from '../../../src/db/pool.js';
import type { LifecycleView } from '../../../src/status/probes.js';
import { checkFields, OWN_STATUS_FIELDS, type FieldSpec } from '../../helpers/status-client.js';

const FIXTURE = JSON.parse(readFileSync(new URL('../../../../test/fixtures/status/pg-status-fields.json', import.meta.url), 'utf8')) as Record<string, Record<string, FieldSpec>>;

const ROW: StatusRow = {
  systemId: '7300000000000000001',
  isPrimary: true,
  configHash: 'abc',
  pendingRestart: true,
  pendingRestartForDecrease: false,
  timelineId: 3,
  currentLsn: '0/3000060',
  currentWal: '000000030000000000000003',
  receivedLsn: null,
  replayLsn: null,
  replayPaused: false,
  walReceiverActive: false,
  lastArchivedWal: '',
  lastArchivedTime: '-infinity',
  lastFailedWal: '',
  lastFailedTime: '-infinity',
  isArchiving: false,
  replication: [
    { applicationName: 'c-2', state: 'streaming', sentLsn: '0/3000060', writeLsn: '0/3000060', flushLsn: '0/3000000', replayLsn: '0/2000000', writeLag: '00:00:00.001', flushLag: '00:00:00', replayLag: '00:00:00', syncState: 'async', syncPriority: '0' },
  ],
  slots: [{ slotName: '_cnpg_c_2', plugin: '', slotType: 'physical', datoid: '', database: '', xmin: '', catalogXmin: '', restartLsn: '0/3000000', walStatus: 'reserved', safeWalSize: null, active: true }],
  basebackups: [
    { usename: 'streaming_replica', application_name: 'c-3-join', backend_start: '2026-01-01 00:00:00+00', phase: 'streaming database files', backup_total: 100, backup_streamed: 50, backup_total_pretty: '100 bytes', backup_streamed_pretty: '50 bytes', tablespaces_total: 1, tablespaces_streamed: 0 },
  ],
};

function lifecycle(phase: 'running' | 'starting', ready: boolean): LifecycleView {
  return { phase: () => phase, isReady: () => ready, current: () => (ready ? {} : undefined), lastTick: () => Date.now() };
}

function pgData(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pgim-status-'));
  mkdirSync(join(dir, 'global'));
  const control = Buffer.alloc(16);
  control.writeBigUInt64LE(7300000000000000042n, 0);
  writeFileSync(join(dir, 'global', 'pg_control'), control);
  mkdirSync(join(dir, 'pg_wal', 'archive_status'), { recursive: true });
  writeFileSync(join(dir, 'pg_wal', 'archive_status', '000000030000000000000001.ready'), '');
  writeFileSync(join(dir, 'pg_wal', 'archive_status', '000000030000000000000000.done'), '');
  return dir;
}

test('a running primary: CNPG names and types, quirks included, omitempty fields left out', async () => {
  let queries = 0;
  const pool = { query: () => (queries++, Promise.resolve({ rows: [ROW] })) } as unknown as Pool;
  const status = new PgStatus({ state: createInstanceState('c', 'c-1'), lifecycle: lifecycle('running', true), pgData: pgData(), pool: () => pool, deadlineMs: 1000 });
  const [a, b] = await Promise.all([status.get(), status.get()]);
  assert.equal(queries, 1, 'concurrent calls share one query');
  assert.equal(a, b);
  const json = JSON.parse(a) as Record<string, unknown>;
  assert.deepEqual(checkFields(json, { ...FIXTURE.status, ...OWN_STATUS_FIELDS }, 'status'), []);
  const repl = (json.replicationInfo as Record<string, unknown>[])[0] ?? {};
  assert.deepEqual(checkFields(repl, FIXTURE.replicationInfo ?? {}, 'replicationInfo'), []);
  assert.equal(repl.receivedLsn, '0/3000060', 'receivedLsn carries the sent LSN');
  assert.equal(repl.syncPriority, '0');
  assert.deepEqual(checkFields((json.replicationSlotsInfo as Record<string, unknown>[])[0] ?? {}, FIXTURE.replicationSlotsInfo ?? {}, 'slots'), []);
  assert.deepEqual(checkFields((json.pgStatBasebackupsInfo as Record<string, unknown>[])[0] ?? {}, FIXTURE.pgStatBasebackupsInfo ?? {}, 'basebackups'), []);
  assert.equal(json.readyWalFiles, 1);
  assert.equal(json.timeLineID, 3);
  assert.equal(json.pendingRestart, true);
  assert.ok(!('isArchivingWAL' in json) && !('lastArchivedWAL' in json) && !('receivedLsn' in json), 'omitempty');
  assert.equal(json.lastArchivedWALTime, '-infinity');
  assert.deepEqual(json.pod, { metadata: { name: 'c-1', creationTimestamp: null }, spec: { containers: null }, status: {} });
  assert.match(String(json.executableHash), /^[0-9a-f]{64}$/);
  assert.ok(['amd64', 'arm64'].includes(String(json.instanceArch)));
});

test('postgres not up yet: a masked 200 with the system identifier from pg_control, no query', async () => {
  const pool = { query: () => assert.fail('no query while postgres is down') } as unknown as Pool;
  const status = new PgStatus({ state: createInstanceState('c', 'c-1'), lifecycle: lifecycle('starting', false), pgData: pgData(), pool: () => pool, deadlineMs: 1000 });
  const json = JSON.parse(await status.get()) as Record<string, unknown>;
  assert.deepEqual(checkFields(json, { ...FIXTURE.status, ...OWN_STATUS_FIELDS }, 'status'), []);
  assert.equal(json.mightBeUnavailable, true);
  assert.equal(json.isPrimary, true);
  assert.equal(json.systemID, '7300000000000000042');
  assert.equal(typeof json.mightBeUnavailableMaskedError, 'string');
  // Our addition: the space of the PGDATA and WAL volumes (here the test's own temp file system).
  const volumes = json.volumes as { volume: string; freeBytes: number; totalBytes: number; usedPercent: number; full: boolean }[];
  assert.deepEqual(volumes.map((v) => v.volume), ['pgdata', 'wal']);
  for (const v of volumes) assert.ok(v.totalBytes > 0 && v.freeBytes <= v.totalBytes && v.usedPercent >= 0 && typeof v.full === 'boolean', JSON.stringify(v));
});

test('a running postgres that does not answer: a TIMEOUT error within the deadline, and the next call retries', async () => {
  let calls = 0;
  const pool = { query: () => (calls++, new Promise(() => undefined)) } as unknown as Pool;
  const status = new PgStatus({ state: createInstanceState('c', 'c-1'), lifecycle: lifecycle('running', true), pgData: pgData(), pool: () => pool, deadlineMs: 200 });
  const started = Date.now();
  await assert.rejects(status.get(), (err: Error & { code?: string }) => err.code === 'TIMEOUT');
  assert.ok(Date.now() - started < 1000);
  await assert.rejects(status.get());
  assert.equal(calls, 2, 'a timed-out computation is not shared forever');
});
