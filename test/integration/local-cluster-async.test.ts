// Asynchronous replication (no spec.postgresql.synchronous) on the local three-instance cluster, the same
// writer and kill -9 as local-cluster-sync: commits the primary acknowledged but had not yet sent may be lost,
// and the test reports how many. What a user relies on is asserted: after each failover the cluster is
// writable again and every instance (the killed one rewound) streams, and no commit that every replica
// already showed before the kill is lost.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { startLocalCluster } from '../helpers/local-cluster.js';
import { allStreaming, failOver, replicatedEverywhere, spread, startWriter } from '../helpers/failover-rounds.js';

const FAILOVERS = 3;

test(`asynchronous replication: ${FAILOVERS} failovers under a continuous writer, the lost commits counted`, { timeout: 300_000 }, async (t) => {
  const c = await startLocalCluster('la', 3, 'failoverDelay: 0\nswitchoverDelay: 10');
  try {
    await c.waitForLine((l) => l.msg === 'local cluster started: connect with libpq multi-host', 90_000);
    await allStreaming(c, 60_000);
    const writer = await startWriter(c);
    const replicated = new Set<number>();
    const streaming: number[] = [];
    try {
      for (let round = 1; round <= FAILOVERS; round++) {
        await writer.more(20, 60_000, `writes before failover ${round}`);
        // Read just before the kill: these ids had reached every replica.
        for (const id of await replicatedEverywhere(c)) replicated.add(id);
        streaming.push((await failOver(c, 90_000)).streamingMs);
        await writer.more(5, 30_000, `writable again after failover ${round}`);
      }
    } finally {
      await writer.stop();
    }
    const present = new Set((await c.sql('SELECT id FROM w ORDER BY id')).split('\n').filter(Boolean).map(Number));
    const lost = writer.acked.filter((id) => !present.has(id));
    t.diagnostic(`async writer: ${writer.acked.length} acknowledged, ${writer.failed()} failed, ${lost.length} lost (${lost.join(', ') || 'none'}) across ${FAILOVERS} failovers`);
    t.diagnostic(`kill -9 -> every instance streaming again: ${spread(streaming)}`);
    assert.ok(replicated.size > 0, 'the replicas showed commits before the kills');
    assert.deepEqual([...replicated].filter((id) => !present.has(id)), [], 'no commit that every replica showed before a kill is lost');
  } finally {
    const stopped = await c.stop();
    rmSync(c.dir, { recursive: true, force: true });
    if (stopped.code !== 0) t.diagnostic(`local-cluster exited ${String(stopped.code ?? stopped.signal)}: ${c.stderr()}`);
  }
});
