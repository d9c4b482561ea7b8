// The kubelet probes: liveness (/healthz), readiness (/readyz) and startup (/startupz) with CNPG's probe
// strategies (pg_isready, query, streaming: webserver/probes/checker.go). Every check is bounded by a
// deadline and concurrent calls of one kind share a single check, so a slow postgres never piles them up.
import type { DbTarget, Pool } from '../db/pool.js';
import { pingPool, pingPostgres } from '../db/probe-pool.js';
import { queryStreaming } from '../db/status-queries.js';
import type { Cluster, ProbeSpec } from '../spec/cluster.js';
import { CLUSTER_DEFAULTS } from '../spec/cluster.js';
import type { LifecyclePhase } from '../supervisor/lifecycle.js';
import { parseQuantity } from './quantity.js';
import { HttpError, SingleFlight, withDeadline } from './respond.js';

/** The part of the supervisor the probes read (src/supervisor/lifecycle.ts). */
export interface LifecycleView {
  current(): unknown;
  isReady(): boolean;
  phase(): LifecyclePhase;
  lastTick(): number;
}

/**
 * Primary isolation check (CNPG liveness: when the API server is unreachable, a primary that cannot reach its
 * peers' /failsafe must fail liveness). Returns a failure reason, or undefined. The Kubernetes source sets it.
 */
export type IsolationCheck = (cluster: Cluster) => Promise<string | undefined>;

export interface ProbeOptions {
  lifecycle: LifecycleView;
  cluster: () => Cluster | undefined;
  target: DbTarget;
  pool: () => Pool;
  deadlineMs: number;
  isolationCheck?: IsolationCheck;
  now?: () => number;
}

/** How long the postmaster may be missing while the loop still says "running" before liveness fails. */
const GONE_GRACE_MS = 5000;

/** Runs the three probes; each resolves with the body of a 200 or rejects with an HttpError. */
export class Probes {
  readonly #o: ProbeOptions;
  readonly #ready = new SingleFlight<string>();
  readonly #startup = new SingleFlight<string>();
  #goneSince: number | undefined;

  constructor(options: ProbeOptions) {
    this.#o = options;
  }

  #now(): number {
    return (this.#o.now ?? Date.now)();
  }

  // Longest time each phase may take before the loop counts as wedged (the Cluster's own timeouts + margin).
  #phaseLimitMs(phase: LifecyclePhase): number {
    const spec = this.#o.cluster()?.spec;
    const startDelay = spec?.startDelay ?? CLUSTER_DEFAULTS.startDelay;
    const stopDelay = spec?.stopDelay ?? CLUSTER_DEFAULTS.stopDelay;
    switch (phase) {
      case 'starting':
        return (startDelay + 60) * 1000;
      case 'post-start':
        return 300_000;
      case 'running':
      case 'fenced':
        return 30_000; // it beats every second
      case 'stopping':
        return (stopDelay + 60) * 1000;
      case 'restarting':
      case 'stopped':
        return 120_000;
    }
  }

  /** Liveness: the supervisor loop makes progress and the postmaster exists or is being restarted. */
  async liveness(): Promise<string> {
    const lc = this.#o.lifecycle;
    const phase = lc.phase();
    const age = this.#now() - lc.lastTick();
    if (age > this.#phaseLimitMs(phase)) {
      throw new HttpError(500, 'LIVENESS_CHECK_FAILED', `liveness check failed: supervisor loop stuck in phase ${phase} for ${Math.round(age / 1000)} s`);
    }
    if (phase === 'running' && lc.current() === undefined) {
      this.#goneSince ??= this.#now();
      if (this.#now() - this.#goneSince > GONE_GRACE_MS) {
        throw new HttpError(500, 'LIVENESS_CHECK_FAILED', 'liveness check failed: the postmaster is gone and is not being restarted');
      }
    } else {
      this.#goneSince = undefined;
    }
    const cluster = this.#o.cluster();
    const check = this.#o.isolationCheck;
    if (check && cluster) {
      const reason = await withDeadline(check(cluster), this.#o.deadlineMs, 'isolation check').catch((err: unknown) => (err instanceof Error ? err.message : String(err)));
      if (reason !== undefined) throw new HttpError(500, 'LIVENESS_CHECK_FAILED', `liveness check failed: ${reason}`);
    }
    return 'OK';
  }

  /** Readiness: postgres accepts connections by the Cluster's readiness strategy. */
  readiness(): Promise<string> {
    const lc = this.#o.lifecycle;
    // Ready only once the post-start work (bootstrap SQL, roles, passwords) is done, not merely accepting.
    if (!lc.isReady() || lc.phase() !== 'running') {
      return Promise.reject(new HttpError(500, 'NOT_READY', 'instance is not ready yet'));
    }
    const spec = this.#o.cluster()?.spec.probes.readiness ?? { type: 'pg_isready' };
    return this.#ready.run(() => this.#bounded(this.#strategy(spec, false), 'readiness'));
  }

  /** Startup: the postmaster is alive ("rejecting" counts for pg_isready), skipped while restarting or stopping. */
  startup(): Promise<string> {
    const phase = this.#o.lifecycle.phase();
    if (phase === 'restarting' || phase === 'stopping') return Promise.resolve('Skipped');
    const spec = this.#o.cluster()?.spec.probes.startup ?? { type: 'pg_isready' };
    return this.#startup.run(() => this.#bounded(this.#strategy(spec, true), 'startup'));
  }

  async #bounded(check: Promise<void>, kind: 'readiness' | 'startup'): Promise<string> {
    try {
      await withDeadline(check, this.#o.deadlineMs, 'postgres');
      return 'OK';
    } catch (err) {
      const code = err instanceof HttpError && err.code === 'TIMEOUT' ? 'TIMEOUT' : `${kind.toUpperCase()}_CHECK_FAILED`;
      throw new HttpError(500, code, `${kind} check failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  async #strategy(spec: ProbeSpec, startup: boolean): Promise<void> {
    switch (spec.type) {
      case 'pg_isready': {
        const result = await pingPostgres(this.#o.target, this.#o.deadlineMs);
        if (result === 'ok' || (startup && result === 'reject')) return;
        throw new Error(result === 'reject' ? 'postgres is rejecting connections' : 'postgres does not answer');
      }
      case 'query':
        await pingPool(this.#o.pool());
        return;
      case 'streaming': {
        const row = await queryStreaming(this.#o.pool());
        if (row.isPrimary || !row.hasPrimaryConninfo) return;
        if (!row.connected) throw new Error('the WAL receiver has not connected to its source yet');
        if (spec.maximumLag === undefined) return;
        const lag = Number(row.lagBytes ?? 'NaN');
        const max = parseQuantity(spec.maximumLag);
        if (!(lag <= max)) throw new Error(`replication lag ${row.lagBytes ?? 'unknown'} bytes exceeds maximumLag ${spec.maximumLag}`);
        return;
      }
    }
  }
}
