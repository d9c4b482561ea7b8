// The role controller with a fake postgres: a replica named targetPrimary is promoted in CNPG's order (WAL
// receiver down, pg_promote, standby.signal gone, CHECKPOINT, currentPrimary, clients ended); a primary that
// is not the target is demoted; an unknown target is one log line and nothing else; in Kubernetes a promotion
// waits for the primary Lease, and a primary that cannot hold it, or loses it, is fenced.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RoleController, type RoleControllerOptions } from '../../../src/replication/role-controller.js';
import type { PromotionDb } from '../../../src/replication/promotion.js';
import type { Cluster } from '../../../src/spec/cluster.js';
import type { StatusPatch } from '../../../src/model/objects.js';
import { captureLogger } from '../log/capture-logger.js';

function cluster(status: Record<string, unknown>): Cluster {
  return { name: 'pg', spec: {}, status: { instanceNames: ['pg-1', 'pg-2', 'pg-3'], ...status } } as unknown as Cluster;
}

function fakeDb(pgData: string, calls: string[], receiverRounds = 2): PromotionDb {
  let receiver = receiverRounds;
  let recovery = true;
  return {
    walReceiverCount: () => Promise.resolve(receiver > 0 ? (calls.push('receiver-running'), receiver--) : 0),
    inRecovery: () => Promise.resolve(recovery),
    promote: () => {
      calls.push('promote');
      recovery = false;
      unlinkSync(join(pgData, 'standby.signal'));
      return Promise.resolve(true);
    },
    checkpoint: () => Promise.resolve(void calls.push('checkpoint')),
    terminateClientBackends: () => Promise.resolve((calls.push('terminate'), 2)),
  };
}

function setup(role: 'primary' | 'replica', lease: { inPlace?: boolean; holdLease?: RoleControllerOptions['holdLease']; releaseLease?: RoleControllerOptions['releaseLease']; promotion?: Partial<RoleControllerOptions['promotion']> } = {}): { dir: string; calls: string[]; patches: StatusPatch[]; demoted: string[]; controller: RoleController; log: ReturnType<typeof captureLogger> } {
  const dir = mkdtempSync(join(tmpdir(), 'pgim-role-'));
  if (role === 'replica') writeFileSync(join(dir, 'standby.signal'), '');
  const calls: string[] = [];
  const patches: StatusPatch[] = [];
  const demoted: string[] = [];
  const log = captureLogger('info');
  const controller = new RoleController({
    me: 'pg-2',
    pgData: dir,
    log: log.root,
    roleOnDisk: () => Promise.resolve(existsSync(join(dir, 'standby.signal')) ? 'replica' : 'primary'),
    running: () => true,
    promotion: {
      db: fakeDb(dir, calls),
      patchStatus: (p) => Promise.resolve(void patches.push(p)),
      event: (reason) => Promise.resolve(void calls.push(`event:${reason}`)),
      pollMs: 5,
      ...lease.promotion,
    },
    ...(lease.holdLease ? { holdLease: lease.holdLease } : {}),
    ...(lease.releaseLease ? { releaseLease: lease.releaseLease } : {}),
    demote: (target) => {
      demoted.push(target);
      // In place, the demotion leaves PGDATA a replica (standby.signal), as the former-primary path does.
      if (lease.inPlace) writeFileSync(join(dir, 'standby.signal'), '');
      return Promise.resolve(lease.inPlace ? 'in-place' : 'manager-ends');
    },
    retryMs: 20,
  });
  return { dir, calls, patches, demoted, controller, log };
}

// Decisions that log nothing (a primary that stays) are waited for on their effect.
async function until(probe: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

test('a replica named targetPrimary is promoted in order and reports currentPrimary', async () => {
  const s = setup('replica');
  const stop = new AbortController();
  try {
    const running = s.controller.run(stop.signal);
    s.controller.offer(cluster({ targetPrimary: 'pg-2', currentPrimary: 'pg-1' }));
    await s.log.waitFor((e) => e.some((l) => l.msg === 'promoted: this instance is the primary'));
    assert.deepEqual(s.calls, ['receiver-running', 'receiver-running', 'promote', 'checkpoint', 'terminate', 'event:Promoted']);
    assert.equal(s.patches.length, 1);
    assert.equal(s.patches[0]?.currentPrimary, 'pg-2');
    assert.match(String(s.patches[0]?.currentPrimaryTimestamp), /^\d{4}-\d\d-\d\dT/);
    stop.abort();
    await running;
  } finally {
    rmSync(s.dir, { recursive: true, force: true });
  }
});

test('an unknown targetPrimary is logged once and changes nothing; a primary not targeted is demoted', async () => {
  const s = setup('primary');
  const stop = new AbortController();
  try {
    const running = s.controller.run(stop.signal);
    s.controller.offer(cluster({ targetPrimary: 'pg-9', currentPrimary: 'pg-2' }));
    await s.log.waitFor((e) => e.some((l) => String(l.msg).includes('names pg-9, which is not an instance')));
    s.controller.offer(cluster({ targetPrimary: 'pg-9', currentPrimary: 'pg-2', phase: 'x' }));
    s.controller.offer(cluster({ targetPrimary: 'pg-3', currentPrimary: 'pg-2' }));
    await running; // ends after the demotion
    assert.deepEqual(s.demoted, ['pg-3']);
    assert.deepEqual(s.calls, []);
    assert.equal(s.log.entries().filter((l) => String(l.msg).includes('not an instance')).length, 1);
  } finally {
    stop.abort();
    rmSync(s.dir, { recursive: true, force: true });
  }
});

test('a primary demoted in place keeps following: targeted again, it is promoted as any replica is', async () => {
  const s = setup('primary', { inPlace: true });
  const stop = new AbortController();
  try {
    const running = s.controller.run(stop.signal);
    s.controller.offer(cluster({ targetPrimary: 'pg-3', currentPrimary: 'pg-2' }));
    await s.log.waitFor((e) => e.some((l) => String(l.msg).includes('no longer targetPrimary')));
    s.controller.offer(cluster({ targetPrimary: 'pg-2', currentPrimary: 'pg-3' }));
    await s.log.waitFor((e) => e.some((l) => l.msg === 'promoted: this instance is the primary'));
    assert.deepEqual(s.demoted, ['pg-3']);
    assert.equal(s.patches[0]?.currentPrimary, 'pg-2');
    stop.abort();
    await running;
  } finally {
    stop.abort();
    rmSync(s.dir, { recursive: true, force: true });
  }
});

test('demotes(): true only for a version that demotes this primary, once a decision has seen it primary on disk', async () => {
  const s = setup('primary', { inPlace: true });
  const stop = new AbortController();
  try {
    const stays = cluster({ targetPrimary: 'pg-2', currentPrimary: 'pg-2' });
    assert.equal(s.controller.demotes(cluster({ targetPrimary: 'pg-3', currentPrimary: 'pg-2' })), false, 'nothing seen on disk yet');
    const running = s.controller.run(stop.signal);
    s.controller.offer(stays);
    await until(() => s.controller.demotes(cluster({ targetPrimary: 'pg-3', currentPrimary: 'pg-2' })), 'the first decision');
    assert.equal(s.controller.demotes(stays), false);
    assert.equal(s.controller.demotes(cluster({ targetPrimary: 'pg-9', currentPrimary: 'pg-2' })), false, 'an unknown target demotes nobody');
    assert.equal(s.controller.demotes(cluster({ targetPrimary: 'pending', currentPrimary: 'pg-2' })), true, 'a pending failover fences it too');
    s.controller.offer(cluster({ targetPrimary: 'pg-3', currentPrimary: 'pg-2' }));
    await s.log.waitFor((e) => e.some((l) => String(l.msg).includes('no longer targetPrimary')));
    await until(() => !s.controller.demotes(cluster({ targetPrimary: 'pg-1', currentPrimary: 'pg-3' })), 'a replica after the demotion');
    assert.deepEqual(s.demoted, ['pg-3']);
    stop.abort();
    await running;
  } finally {
    stop.abort();
    rmSync(s.dir, { recursive: true, force: true });
  }
});

test('no promotion without the Lease: nothing is done to postgres until it is held', async () => {
  let held = false;
  const s = setup('replica', { promotion: { acquireLease: () => Promise.resolve(held) } });
  const stop = new AbortController();
  try {
    const running = s.controller.run(stop.signal);
    s.controller.offer(cluster({ targetPrimary: 'pg-2', currentPrimary: 'pg-1' }));
    await s.log.waitFor((e) => e.filter((l) => String(l.msg).includes('not promoting yet')).length >= 2);
    assert.deepEqual(s.calls, [], 'postgres untouched while another instance holds the Lease');
    held = true;
    await s.log.waitFor((e) => e.some((l) => l.msg === 'promoted: this instance is the primary'));
    stop.abort();
    await running;
  } finally {
    rmSync(s.dir, { recursive: true, force: true });
  }
});

test('a primary that cannot hold the Lease, or loses it, is fenced with one log line', async () => {
  for (const how of ['cannot hold', 'loses'] as const) {
    const s = setup('primary', { holdLease: () => Promise.resolve(how === 'loses') });
    const stop = new AbortController();
    try {
      const running = s.controller.run(stop.signal);
      s.controller.offer(cluster({ targetPrimary: 'pg-2', currentPrimary: 'pg-2' }));
      if (how === 'loses') {
        await new Promise((r) => setTimeout(r, 30));
        assert.deepEqual(s.demoted, [], 'holding the Lease, the primary stays');
        s.controller.fence('the primary Lease pg is held by pg-3');
      }
      await running; // ends after the fence
      assert.deepEqual(s.demoted, ['']);
      const lines = s.log.entries().filter((l) => String(l.msg).includes('fencing this primary'));
      assert.equal(lines.length, 1, how);
      assert.equal(s.controller.fenced, how === 'loses' ? 'the primary Lease pg is held by pg-3' : 'this primary cannot take the primary Lease');
    } finally {
      stop.abort();
      rmSync(s.dir, { recursive: true, force: true });
    }
  }
});

test('a primary kept by an unknown targetPrimary still needs the Lease; a replica that stays one lets go of a Lease it holds', async () => {
  const p = setup('primary', { holdLease: () => Promise.resolve(false) });
  const stop = new AbortController();
  try {
    const running = p.controller.run(stop.signal);
    p.controller.offer(cluster({ targetPrimary: 'pg-9', currentPrimary: 'pg-2' }));
    await running; // fenced: not left writable without the Lease
    assert.equal(p.controller.fenced, 'this primary cannot take the primary Lease');
  } finally {
    stop.abort();
    rmSync(p.dir, { recursive: true, force: true });
  }
  let released = 0;
  const r = setup('replica', { releaseLease: () => Promise.resolve(void released++) });
  const stop2 = new AbortController();
  try {
    const running = r.controller.run(stop2.signal);
    // A promotion to pg-2 failed after taking the Lease; the operator now names pg-3.
    r.controller.offer(cluster({ targetPrimary: 'pg-3', currentPrimary: 'pg-1' }));
    const deadline = Date.now() + 2000;
    while (released === 0 && Date.now() < deadline) await new Promise((res) => setTimeout(res, 5));
    assert.ok(released > 0, 'released, so pg-3 does not wait for an expiry that never comes');
    stop2.abort();
    await running;
  } finally {
    rmSync(r.dir, { recursive: true, force: true });
  }
});
