// Failovers of a local cluster under a continuous writer: the writer inserts increasing ids through libpq's
// multi-host line (one psql per insert, so every insert is a fresh connection to whichever instance is the
// primary) and records those psql saw committed; a round kills the primary's manager and postmaster with
// SIGKILL and waits until another instance is primary and every other one streams from it again.
import { probeInstance } from '../../src/local-cluster/probe.js';
import { clusterStatus, instancePids, type LocalCluster } from './local-cluster.js';
import { waitUntil } from './lifecycle-procs.js';

/** N of the current primary `<cluster>-N` (from the status file). */
export function primaryOrdinal(c: LocalCluster): number {
  return Number(String(clusterStatus(c).currentPrimary).slice(c.name.length + 1));
}

/** Waits until every instance but the primary reports itself a replica with its WAL receiver running. */
export async function allStreaming(c: LocalCluster, timeoutMs: number): Promise<void> {
  await waitUntil(
    async () => {
      const primary = primaryOrdinal(c);
      for (let n = 1; n <= c.ports.length; n++) {
        if (n === primary) continue;
        const r = await probeInstance(`${c.name}-${n}`, c.statusPorts[n - 1] ?? 0);
        if (!(r.reachable && r.isPrimary === false && r.isWalReceiverActive === true)) return undefined;
      }
      return true;
    },
    timeoutMs,
    'every replica streaming',
    100,
  );
}

export interface Writer {
  /** Ids whose INSERT psql reported committed, in order. */
  acked: number[];
  failed: () => number;
  /** Waits until `n` more inserts were acknowledged. */
  more(n: number, timeoutMs: number, what: string): Promise<void>;
  stop(): Promise<void>;
}

/** Starts inserting 1, 2, 3... into table `w` (created first) until stop(). */
export async function startWriter(c: LocalCluster): Promise<Writer> {
  await c.sql('CREATE TABLE w (id int PRIMARY KEY)');
  const acked: number[] = [];
  let failed = 0;
  let writing = true;
  const loop = (async () => {
    for (let id = 1; writing; id++) {
      try {
        await c.sql(`INSERT INTO w VALUES (${id})`);
        acked.push(id);
      } catch {
        failed++;
      }
    }
  })();
  return {
    acked,
    failed: () => failed,
    async more(n, timeoutMs, what) {
      const before = acked.length;
      await waitUntil(() => (acked.length >= before + n ? true : undefined), timeoutMs, what, 50);
    },
    async stop() {
      writing = false;
      await loop;
    },
  };
}

/** The ids every replica already shows (read on each replica's own port): replicated everywhere. */
export async function replicatedEverywhere(c: LocalCluster): Promise<Set<number>> {
  const primary = primaryOrdinal(c);
  let common: Set<number> | undefined;
  for (let n = 1; n <= c.ports.length; n++) {
    if (n === primary) continue;
    const ids = (await c.sql('SELECT id FROM w', c.ports[n - 1])).split('\n').filter(Boolean).map(Number);
    common = new Set(common === undefined ? ids : ids.filter((id) => common?.has(id)));
  }
  return common ?? new Set();
}

/** Kills the primary's manager and postmaster (SIGKILL); resolves once another instance is primary and every other one streams. */
export async function failOver(c: LocalCluster, timeoutMs: number): Promise<{ old: number; promotedMs: number; streamingMs: number }> {
  const old = primaryOrdinal(c);
  const pids = instancePids(c, old);
  const started = Date.now();
  process.kill(pids.manager, 'SIGKILL');
  process.kill(pids.postmaster, 'SIGKILL');
  await waitUntil(
    () => {
      const s = clusterStatus(c);
      return s.currentPrimary !== `${c.name}-${old}` && s.targetPrimary === s.currentPrimary ? true : undefined;
    },
    timeoutMs,
    `failover from ${c.name}-${old}`,
    50,
  );
  const promotedMs = Date.now() - started;
  await allStreaming(c, timeoutMs);
  return { old, promotedMs, streamingMs: Date.now() - started };
}

/** "min / median / max" of a list of milliseconds. */
export function spread(ms: readonly number[]): string {
  const sorted = [...ms].sort((a, b) => a - b);
  return `${String(sorted[0])} / ${String(sorted[Math.floor(sorted.length / 2)])} / ${String(sorted.at(-1))} ms`;
}
