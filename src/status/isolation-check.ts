// Primary isolation for the liveness probe (CNPG probes/liveness.go): a primary that can reach neither the
// API server nor every instance the operator last reported fails liveness, so the kubelet restarts it instead
// of it accepting writes alone behind a partition. A replica, an unreadable role, a reachable API server or a
// Cluster never seen all mean OK. The whole check fits in a budget well inside the probe's 2 s deadline.
import { readdir, readFile } from 'node:fs/promises';
import { describeError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { Cluster } from '../spec/cluster.js';
import { pingFailsafe, type Pinger, type PingOptions } from './failsafe-ping.js';
import { SingleFlight } from './respond.js';

/** What the check asks the Kubernetes source (KubeSpecSource implements it). */
export interface ApiProbe {
  /** One uncached GET of our Cluster bounded by `timeoutMs`: true when it succeeded. */
  probeApi(timeoutMs: number): Promise<boolean>;
  /** The last Cluster seen from the API, if any. */
  cachedCluster(): Cluster | undefined;
}

/** True when `source` can answer the isolation check's questions (the Kubernetes source). */
export function hasApiProbe(source: object): source is ApiProbe {
  const s = source as Partial<ApiProbe>;
  return typeof s.probeApi === 'function' && typeof s.cachedCluster === 'function';
}

export interface IsolationCheckOptions {
  api: ApiProbe;
  pgData: string;
  /** certificates/server-ca.crt, re-read on every check (it rotates). */
  caFile: string;
  /** The peers' status port (every instance of a cluster listens on the same one; CNPG: 8000). */
  peerPort: number;
  log: Logger;
  /** CNPG: 500 ms for the Cluster GET. */
  apiTimeoutMs?: number;
  /** Everything (GET and pings) ends within this; the probe's deadline is 2000 ms. */
  budgetMs?: number;
  ping?: Pinger;
  now?: () => number;
}

interface Peer {
  name: string;
  ip: string;
}

/** The instances the operator last reported (status.instancesReportedState: pod name -> { ip, ... }). */
export function reportedPeers(cluster: Cluster): Peer[] {
  const state = cluster.status.instancesReportedState;
  if (typeof state !== 'object' || state === null) return [];
  return Object.entries(state as Record<string, unknown>).map(([name, v]) => {
    const ip = typeof v === 'object' && v !== null ? (v as { ip?: unknown }).ip : undefined;
    return { name, ip: typeof ip === 'string' ? ip : '' };
  });
}

// CNPG Instance.IsPrimary: no standby.signal in PGDATA. recovery.signal (a restore) is not a primary either.
async function roleOnDisk(pgData: string): Promise<'primary' | 'replica' | 'unknown'> {
  try {
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- PGDATA from the Config
    const names = await readdir(pgData);
    return names.includes('standby.signal') || names.includes('recovery.signal') ? 'replica' : 'primary';
  } catch {
    return 'unknown';
  }
}

/** The liveness isolation hook: `check(cluster)` resolves with a failure reason, or undefined for OK. */
export class IsolationChecker {
  readonly #o: IsolationCheckOptions;
  readonly #flight = new SingleFlight<string | undefined>();
  #background: Promise<void> | undefined;
  #lastOutcome = 'ok';

  constructor(options: IsolationCheckOptions) {
    this.#o = options;
  }

  #now(): number {
    return (this.#o.now ?? Date.now)();
  }

  /** Concurrent probes share one check. */
  check(cluster?: Cluster): Promise<string | undefined> {
    return this.#flight.run(() => this.#check(cluster));
  }

  async #check(fallback: Cluster | undefined): Promise<string | undefined> {
    const started = this.#now();
    if ((await roleOnDisk(this.#o.pgData)) !== 'primary') return undefined;
    const known = (): Cluster | undefined => this.#o.api.cachedCluster() ?? fallback;
    if (await this.#o.api.probeApi(this.#o.apiTimeoutMs ?? 500)) {
      // Reachable: still ping, in the background and only logged, so a network problem shows early.
      const cluster = known();
      if (!cluster) this.#record('ok', () => undefined);
      else if (!this.#background) {
        this.#background = this.pingPeers(cluster, this.#now())
          .then((reason) => this.#outcome(reason, true))
          .catch(() => undefined)
          .finally(() => (this.#background = undefined));
      }
      return undefined;
    }
    const cluster = known();
    if (!cluster) {
      this.#record('no-cluster', () => this.#o.log.warn({ apiServerReachable: false }, 'no Cluster was ever received: isolation check skipped'));
      return undefined;
    }
    const reason = await this.pingPeers(cluster, started);
    this.#outcome(reason, false);
    return reason;
  }

  #outcome(reason: string | undefined, apiReachable: boolean): void {
    if (reason === undefined) this.#record('ok', () => this.#o.log.info('isolation check passes again'));
    else if (apiReachable) this.#record(`warn:${reason}`, () => this.#o.log.warn({ apiServerReachable: true, reason }, 'instance connectivity error - liveness passes because the API server is reachable'));
    else this.#record(`fail:${reason}`, () => this.#o.log.error({ apiServerReachable: false, reason }, 'instance connectivity error - liveness probe failing'));
  }

  // One log line per change of outcome, not one per probe (the kubelet probes every 10 s).
  #record(outcome: string, log: () => void): void {
    if (outcome === this.#lastOutcome) return;
    this.#lastOutcome = outcome;
    log();
  }

  /** Pings every reported instance (in parallel, within the budget); the first failure, or undefined. */
  async pingPeers(cluster: Cluster, started: number): Promise<string | undefined> {
    const liveness = cluster.spec.probes.liveness;
    if (!liveness.isolationCheck || cluster.spec.instances === 1) return undefined;
    const peers = reportedPeers(cluster);
    if (peers.length === 0) return undefined;
    const requestTimeoutMs = liveness.requestTimeoutMs ?? 1000;
    const connectionTimeoutMs = liveness.connectionTimeoutMs ?? 1000;
    const left = Math.max(50, (this.#o.budgetMs ?? 1600) - (this.#now() - started));
    let ca: string;
    try {
      // eslint-disable-next-line security/detect-non-literal-fs-filename -- the certificates dir from the Config
      ca = await readFile(this.#o.caFile, 'utf8');
    } catch (err) {
      return `while reading the server CA certificate [${this.#o.caFile}]: ${describeError(err)}`;
    }
    const options: PingOptions = { ca, requestTimeoutMs: Math.min(requestTimeoutMs, left), connectionTimeoutMs: Math.min(connectionTimeoutMs, left) };
    const ping = this.#o.ping ?? pingFailsafe;
    try {
      await Promise.all(
        peers.map(async (p) => {
          try {
            if (p.ip === '') throw new Error('no ip reported');
            await ping(p.ip, this.#o.peerPort, options);
          } catch (err) {
            const why = err instanceof Error ? err.message : String(err);
            throw new Error(`instance connectivity error for instance [${p.name}] with ip [${p.ip}] (requestTimeout:${requestTimeoutMs} connectionTimeout:${connectionTimeoutMs}): ${why}`);
          }
        }),
      );
      return undefined;
    } catch (err) {
      return err instanceof Error ? err.message : String(err);
    }
  }
}
