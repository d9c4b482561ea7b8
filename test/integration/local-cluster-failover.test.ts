// The local three-instance cluster end to end (`local-cluster up`): rows written through libpq's multi-host
// line survive a switchover (the old primary demoted in place: same manager process) and two failovers (kill -9
// of the primary's manager and postmaster), the old primary comes back streaming from the new one (rewound
// within 30 s of its restart), and a rewind that fails while copying leads to a re-clone (the old PGDATA kept
// aside) with no manual step. One cluster for all, so the suite pays for one set of clones (about 60-90 s on
// a quiet 2-core machine).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, chownSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { patchStatusFile } from '../../src/source/status-lock.js';
import { join } from 'node:path';
import { probeInstance } from '../../src/local-cluster/probe.js';
import { processesMentioning } from '../helpers/manager.js';
import { clusterStatus, instancePids, startLocalCluster, type LocalCluster } from '../helpers/local-cluster.js';
import { waitUntil } from '../helpers/lifecycle-procs.js';

const NAME = 'lc';

async function streamsFrom(c: LocalCluster, n: number, timeoutMs: number): Promise<void> {
  await waitUntil(
    async () => {
      const r = await probeInstance(`${NAME}-${n}`, c.statusPorts[n - 1] ?? 0);
      return r.reachable && r.isPrimary === false && r.isWalReceiverActive === true ? true : undefined;
    },
    timeoutMs,
    `${NAME}-${n} streaming`,
    250,
  );
}

function primaryOrdinal(c: LocalCluster): number {
  return Number(String(clusterStatus(c).currentPrimary).slice(NAME.length + 1));
}

function killPrimary(c: LocalCluster): { old: number; killedAt: number } {
  const old = primaryOrdinal(c);
  const pids = instancePids(c, old);
  process.kill(pids.manager, 'SIGKILL');
  process.kill(pids.postmaster, 'SIGKILL');
  return { old, killedAt: c.lines.length };
}

async function newPrimaryAfter(c: LocalCluster, old: number): Promise<number> {
  return waitUntil(
    () => {
      const s = clusterStatus(c);
      const current = typeof s.currentPrimary === 'string' ? s.currentPrimary : '';
      return current !== `${NAME}-${old}` && s.targetPrimary === current ? primaryOrdinal(c) : undefined;
    },
    60_000,
    'a new primary',
    200,
  );
}

// Async replicas: the rows count as written once every replica has replayed them.
async function replicated(c: LocalCluster): Promise<void> {
  const lsn = await c.sql('SELECT pg_current_wal_lsn()');
  for (const [i, port] of c.ports.entries()) {
    if (i + 1 === primaryOrdinal(c)) continue;
    await waitUntil(async () => ((await c.sql(`SELECT pg_last_wal_replay_lsn() >= '${lsn}'`, port)) === 't' ? true : undefined), 30_000, `replay on ${NAME}-${i + 1}`, 200);
  }
}

test('switchover, failover and a failed rewind on the local three-instance cluster', { timeout: 300_000 }, async () => {
  const c = await startLocalCluster(NAME, 3, 'failoverDelay: 0\nswitchoverDelay: 10');
  try {
    await c.waitForLine((l) => l.msg === 'local cluster started: connect with libpq multi-host', 90_000);
    await streamsFrom(c, 2, 60_000);
    await streamsFrom(c, 3, 60_000);
    await c.sql('CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t SELECT generate_series(1, 100)');
    await replicated(c);

    // Switchover: targetPrimary set, the new primary writable, the old one streaming from it, demoted in place:
    // its manager process stays (same pid, never restarted), only its postgres is started again.
    const oldPrimary = instancePids(c, 1);
    const beforeSwitch = c.lines.length;
    const switched = await c.command(['switchover', `${NAME}-2`]);
    assert.equal(switched.code, 0, switched.stdout);
    assert.equal(await c.sql('SELECT count(*) FROM t'), '100');
    assert.equal(await c.sql('SELECT inet_server_port()'), String(c.ports[1]));
    await streamsFrom(c, 1, 30_000);
    const afterSwitch = c.lines.slice(beforeSwitch);
    assert.ok(!afterSwitch.some((l) => l.instance === `${NAME}-1` && (l.msg === 'instance manager started' || l.msg === 'instance manager ended to change role: restarting it')), 'the demoted primary\'s manager did not restart');
    assert.equal(instancePids(c, 1).manager, oldPrimary.manager);
    process.kill(oldPrimary.manager, 0); // still running
    assert.notEqual(instancePids(c, 1).postmaster, oldPrimary.postmaster, 'postgres was started again, as a replica');
    assert.ok(afterSwitch.some((l) => l.logging_pod === `${NAME}-1` && l.msg === 'former primary prepared: starting postgres as a replica'));
    // A clean stop whose WAL the new primary replayed to its end: followed as it is, pg_rewind never ran.
    assert.ok(afterSwitch.some((l) => l.logging_pod === `${NAME}-1` && /following the new primary without pg_rewind/.test(String(l.msg))), 'followed without pg_rewind');
    assert.ok(!afterSwitch.some((l) => l.logging_pod === `${NAME}-1` && (l.tool === 'pg_rewind' || l.msg === 'former primary: rewinding from the new primary')), 'no pg_rewind after a clean switchover');
    const table = await c.command(['status']);
    assert.match(table.stdout, new RegExp(`${NAME}-2\\s+primary\\s+2\\s`));

    // Failover: kill -9 of the primary's manager and postmaster.
    await c.sql('INSERT INTO t SELECT generate_series(101, 200)');
    await replicated(c);
    const first = killPrimary(c);
    const successor = await newPrimaryAfter(c, first.old);
    assert.equal(await c.sql('SELECT count(*) FROM t'), '200');
    await c.sql('INSERT INTO t SELECT generate_series(201, 300)');
    const restarted = await c.waitForLine((l) => l.msg === 'instance manager started' && l.instance === `${NAME}-${first.old}` && c.lines.indexOf(l) >= first.killedAt, 30_000);
    const restartedAt = Date.parse(String(restarted.ts));
    await streamsFrom(c, first.old, 30_000);
    assert.ok(Date.now() - restartedAt < 30_000, 'the old primary streams within 30 s of its restart');
    assert.ok(c.lines.some((l) => l.logging_pod === `${NAME}-${first.old}` && l.msg === 'former primary rewound: starting as a replica'));
    assert.equal(await c.sql('SELECT count(*) FROM t', c.ports[first.old - 1]), '300');

    // A rewind that fails while copying: a file the new primary cannot read (root's, 0600) in each replica.
    await replicated(c);
    const replicas = [1, 2, 3].filter((n) => n !== successor);
    const traps = replicas.map((n) => join(c.stateDir, `${NAME}-${n}`, 'pgdata', 'pgim-test-unreadable'));
    for (const trap of traps) {
      writeFileSync(trap, 'x');
      chmodSync(trap, 0o600);
    }
    const second = killPrimary(c);
    await newPrimaryAfter(c, second.old);
    await c.waitForLine((l) => l.logging_pod === `${NAME}-${second.old}` && String(l.msg).startsWith('pg_rewind cannot bring this PGDATA back'), 60_000);
    for (const trap of traps) rmSync(trap, { force: true });
    await streamsFrom(c, second.old, 90_000);
    assert.equal(await c.sql('SELECT count(*) FROM t'), '300');
    assert.equal(await c.sql('SELECT count(*) FROM t', c.ports[second.old - 1]), '300');
    const kept = readdirSync(join(c.stateDir, `${NAME}-${second.old}`)).filter((e) => e.startsWith('pgdata_'));
    assert.equal(kept.length, 1, 'the PGDATA that could not be rewound is kept aside, not deleted');

    // A targetPrimary naming an unknown instance: one clear line from the primary, nothing promoted or stopped.
    const current = String(clusterStatus(c).currentPrimary);
    const mark = c.lines.length;
    const statusFile = join(c.stateDir, 'status.json');
    const owner = statSync(join(c.stateDir, `${NAME}-1`, 'pgdata'));
    await patchStatusFile(statusFile, { targetPrimary: `${NAME}-9` });
    chownSync(statusFile, owner.uid, owner.gid); // written as root by the test: handed back to the managers' user
    await c.waitForLine((l) => l.logging_pod === current && String(l.msg).includes(`names ${NAME}-9, which is not an instance`), 30_000);
    await patchStatusFile(statusFile, { targetPrimary: current });
    chownSync(statusFile, owner.uid, owner.gid);
    assert.equal(clusterStatus(c).currentPrimary, current);
    assert.ok(!c.lines.slice(mark).some((l) => String(l.msg).includes('promoting') || String(l.msg).includes('no longer targetPrimary')), 'nothing promoted or demoted');
    assert.equal(await c.sql('SELECT count(*) FROM t'), '300');

    // Ctrl-C: every manager and postgres stops cleanly.
    assert.equal((await c.stop()).code, 0, c.stderr());
    assert.deepEqual(processesMentioning(c.dir), [], 'no manager or postgres left running');
  } finally {
    const stopped = await c.stop();
    rmSync(c.dir, { recursive: true, force: true });
    // Ctrl-C stops every manager cleanly (not asserted here: an assertion in `finally` would hide the first failure).
    if (stopped.code !== 0) console.log(`# local-cluster exited ${String(stopped.code ?? stopped.signal)}: ${c.stderr()}`);
  }
});
