// Replicas of the embedded default: a replica cloned from a running primary with `instance run` on an empty
// PGDATA (the join step: IDENTIFY_SYSTEM, pg_basebackup as streaming_replica with its certificate, override.conf
// and standby.signal), streaming through its HA slot; the status fields on both sides; an interrupted clone that
// leaves nothing usable; `instance join` over an existing PGDATA, which is moved aside; a client certificate the
// primary rejects. One primary with ~100 MB of data serves every test.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { ownerConnection, type ManagerHandle } from '../helpers/manager.js';
import { waitUntil } from '../helpers/lifecycle-procs.js';
import { CLUSTER, pgStatus, portBase, replicaManifest, startInstance } from '../helpers/replica-pair.js';

const NAMES = [1, 2, 3, 4].map((n) => `${CLUSTER}-${n}`);
const MANIFEST = replicaManifest(4);
let base = 0;
let primary: ManagerHandle;
const started: ManagerHandle[] = [];

async function ownerQuery<T extends pg.QueryResultRow>(h: ManagerHandle, sql: string): Promise<T[]> {
  const client = new pg.Client({ ...ownerConnection(primary, CLUSTER), port: h.port });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

const replicaStatus = { currentPrimary: NAMES[0], targetPrimary: NAMES[0], instanceNames: NAMES };

async function startReplica(ordinal: number, extra: Partial<Parameters<typeof startInstance>[0]> = {}): Promise<ManagerHandle> {
  const h = await startInstance({ base, ordinal, manifestText: MANIFEST, status: replicaStatus, secretsFrom: primary.stateDir, ...extra });
  started.push(h);
  return h;
}

before(async () => {
  base = await portBase(4);
  primary = await startInstance({ base, ordinal: 1, manifestText: MANIFEST, status: { instanceNames: NAMES } });
  started.push(primary);
  await primary.waitForLine((l) => l.msg === 'instance ready', 90_000, 'primary ready');
  // ~100 MB, so a clone takes long enough to be interrupted and to show progress.
  await ownerQuery(primary, "CREATE TABLE filler AS SELECT g AS id, repeat('x', 900) AS pad FROM generate_series(1, 100000) g");
  await ownerQuery(primary, 'CREATE TABLE t (id int primary key, note text)');
});

after(async () => {
  await Promise.all(started.map((h) => h.stop()));
});

test('a replica clones the primary, streams through its HA slot, and both report it in /pg/status', async () => {
  const replica = await startReplica(2);
  const seenBasebackup = waitUntil(async () => {
    const s = await pgStatus(primary).catch(() => undefined);
    const rows = s?.pgStatBasebackupsInfo as { application_name: string; backup_total: number }[] | undefined;
    return rows?.find((r) => r.application_name === `${NAMES[1]}-join`);
  }, 60_000, 'the clone in the primary\'s pgStatBasebackupsInfo');
  await replica.waitForLine((l) => l.msg === 'replica cloned', 90_000, 'clone finished');
  assert.ok(await seenBasebackup);
  await replica.waitForLine((l) => l.msg === 'instance ready', 60_000, 'replica ready');
  assert.ok(replica.lines.some((l) => l.msg === 'clone progress' && typeof l.totalBytes === 'number'), 'progress is logged with bytes done/total');
  const pgdata = join(replica.stateDir, 'pgdata');
  assert.ok(existsSync(join(pgdata, 'standby.signal')));
  const override = readFileSync(join(pgdata, 'override.conf'), 'utf8');
  assert.match(override, /primary_slot_name = '_cnpg_r1_2'/);
  assert.match(override, /application_name=r1-2 sslmode=verify-ca/);
  await ownerQuery(primary, "INSERT INTO t SELECT g, 'row ' || g FROM generate_series(1, 50) g");
  await waitUntil(async () => ((await ownerQuery<{ n: string }>(replica, 'SELECT count(*) AS n FROM t').catch(() => []))[0]?.n === '50' ? true : undefined), 30_000, 'rows on the replica');
  const rs = await pgStatus(replica, primary);
  assert.equal(rs.isPrimary, false);
  assert.equal(rs.isWalReceiverActive, true);
  assert.equal(typeof rs.receivedLsn, 'string');
  assert.equal(typeof rs.replayLsn, 'string');
  assert.equal(rs.replayPaused, false);
  assert.equal(typeof rs.timeLineID, 'number');
  const ps = await waitUntil(async () => {
    const s = await pgStatus(primary);
    const info = s.replicationInfo as { applicationName: string; state: string }[] | undefined;
    return info?.some((r) => r.applicationName === NAMES[1] && r.state === 'streaming') ? s : undefined;
  }, 30_000, 'the replica in the primary\'s replicationInfo');
  const slots = ps.replicationSlotsInfo as { slotName: string; active: boolean }[];
  assert.deepEqual(slots.map((s) => s.slotName).sort(), ['_cnpg_r1_2', '_cnpg_r1_3', '_cnpg_r1_4']);
  assert.equal(slots.find((s) => s.slotName === '_cnpg_r1_2')?.active, true);
  // The replica made no primary claim in its status file.
  assert.equal((JSON.parse(readFileSync(join(replica.stateDir, 'status.json'), 'utf8')) as { currentPrimary?: string }).currentPrimary, NAMES[0]);
});
