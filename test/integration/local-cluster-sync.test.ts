// Synchronous replication with dataDurability: required on the local three-instance cluster: a writer keeps
// inserting through libpq's multi-host line while the primary is killed (kill -9 of manager and postmaster)
// FAILOVERS times; every insert psql saw committed must be on the last primary, and each killed primary must
// come back (rewound, or cloned again) as a streaming replica before the next round.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { startLocalCluster } from '../helpers/local-cluster.js';
import { allStreaming, failOver, spread, startWriter } from '../helpers/failover-rounds.js';

const FAILOVERS = 10;
const REJOINED = /^(former primary rewound: starting as a replica|pg_rewind cannot bring this PGDATA back)/;

test(`dataDurability required: no acknowledged commit lost across ${FAILOVERS} failovers under a continuous writer`, { timeout: 400_000 }, async (t) => {
  const c = await startLocalCluster('ls', 3, 'failoverDelay: 0\nswitchoverDelay: 10\npostgresql:\n  synchronous:\n    method: any\n    number: 1\n    dataDurability: required');
  const rejoined = (): number => c.lines.filter((l) => REJOINED.test(String(l.msg))).length;
  try {
    await c.waitForLine((l) => l.msg === 'local cluster started: connect with libpq multi-host', 90_000);
    await allStreaming(c, 60_000);
    const writer = await startWriter(c);
    const promoted: number[] = [];
    const streaming: number[] = [];
    try {
      for (let round = 1; round <= FAILOVERS; round++) {
        await writer.more(20, 60_000, `writes before failover ${round}`);
        const before = rejoined();
        const r = await failOver(c, 90_000);
        assert.ok(rejoined() > before, `failover ${round}: the former primary ls-${r.old} was rewound or cloned again`);
        promoted.push(r.promotedMs);
        streaming.push(r.streamingMs);
      }
      await writer.more(20, 60_000, 'writes after the last failover');
    } finally {
      await writer.stop();
    }
    const present = new Set((await c.sql('SELECT id FROM w ORDER BY id')).split('\n').filter(Boolean).map(Number));
    const lost = writer.acked.filter((id) => !present.has(id));
    t.diagnostic(`sync writer: ${writer.acked.length} acknowledged, ${writer.failed()} failed, ${lost.length} lost`);
    t.diagnostic(`kill -9 -> new primary: ${spread(promoted)}; -> every instance streaming again: ${spread(streaming)} (min / median / max of ${FAILOVERS})`);
    assert.deepEqual(lost, [], 'no acknowledged commit is lost');
  } finally {
    const stopped = await c.stop();
    rmSync(c.dir, { recursive: true, force: true });
    // Ctrl-C stops every manager cleanly (not asserted here: an assertion in `finally` would hide the first failure).
    if (stopped.code !== 0) t.diagnostic(`local-cluster exited ${String(stopped.code ?? stopped.signal)}: ${c.stderr()}`);
  }
});
