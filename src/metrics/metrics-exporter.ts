// The metrics component of `instance run`: the :9187 server, the built-in collector and the custom queries,
// wired together. A scrape is single-flight (concurrent scrapes share one collection), never waits on a
// postgres that is not ready, and re-reads the custom queries whenever a new Cluster version is applied.
import { join } from 'node:path';
import type { Config } from '../config/config.js';
import { TLS_FILES } from '../config/constants.js';
import { ExporterPools } from '../db/metrics-pool.js';
import { describeError } from '../errors.js';
import { child, type Logger } from '../log/logger.js';
import type { InstanceState } from '../model/instance-state.js';
import type { Cluster } from '../spec/cluster.js';
import type { SpecSource } from '../source/spec-source.js';
import { bindHosts } from '../config/bind-hosts.js';
import { builtinNames, createCollectorMetrics, type CollectorMetrics } from './collector-metrics.js';
import { registerBackupMetrics } from './backup-metrics.js';
import { MetricsServer } from './metrics-server.js';
import { collectBuiltins } from './pg-collector.js';
import { loadQueries } from './queries-loader.js';
import { QueryCollector } from './query-collector.js';

/** statement_timeout of every monitoring query: a stuck query is cancelled and reported, the scrape goes on. */
export const QUERY_TIMEOUT_MS = 5_000;
/**
 * Client-side bounds of one scrape. statement_timeout cannot fire on a backend that is not running (postgres
 * stopped by SIGSTOP, a stuck volume), so every database call also gives up on its own: the ping after 2 s,
 * and every call of a collection by 5 s after it began. A scrape of a frozen postgres so answers within
 * ~2 s with cnpg_collector_up 0, and no scrape's database work outlasts 5 s: well under Prometheus' default
 * scrape_timeout of 10 s. A call that gave up destroys its connection (db/metrics-pool.ts).
 */
export const SCRAPE_DEADLINES = Object.freeze({ pingMs: 2_000, collectionMs: 5_000 });
// Backstop over the whole scrape (the custom queries' ConfigMaps and Secrets are read in it too).
const SCRAPE_BACKSTOP_MS = SCRAPE_DEADLINES.collectionMs + 1_000;

export interface MetricsExporterOptions {
  config: Config;
  state: InstanceState;
  lifecycle: { isReady(): boolean };
  cluster: () => Cluster | undefined;
  source: Pick<SpecSource, 'getConfigMap' | 'getSecret'>;
  root: Logger;
  queryTimeoutMs?: number;
  /** Where the default queries live (tests); image/monitoring/queries.yaml otherwise. */
  defaultQueriesFile?: string;
}

/** Owns the exporter pools, the registry, the query collector and the server. */
export class MetricsExporter {
  readonly #o: MetricsExporterOptions;
  readonly #log: Logger;
  readonly #metrics: CollectorMetrics;
  readonly #pools: ExporterPools;
  readonly #queries: QueryCollector;
  #server: MetricsServer | undefined;
  #loadedFor: Cluster | undefined;
  #queriesFingerprint = '';
  #inflight: Promise<string> | undefined;

  constructor(options: MetricsExporterOptions) {
    this.#o = options;
    this.#log = child(options.root, 'metrics');
    const { config } = options;
    this.#metrics = createCollectorMetrics();
    registerBackupMetrics(this.#metrics.registry, options.state.backups);
    this.#pools = new ExporterPools({ socketDir: config.controller.run, port: config.port }, this.#log);
    this.#queries = new QueryCollector({
      db: this.#pools,
      log: this.#log,
      timeoutMs: options.queryTimeoutMs ?? QUERY_TIMEOUT_MS,
      reserved: builtinNames(this.#metrics),
    });
  }

  /** The port the server listens on (after start). */
  port(): number | undefined {
    return this.#server?.port();
  }

  /** Serves until the signal aborts, then closes the exporter's connections. Call after the files are written (TLS). */
  async start(signal: AbortSignal): Promise<void> {
    const { config, state } = this.#o;
    const local = config.source === 'file';
    // Without an operator to add --metrics-port-tls, the embedded default follows spec.monitoring.tls.enabled.
    const tls = config.metricsPortTls || (local && (this.#o.cluster()?.spec.monitoring.tlsEnabled ?? false));
    this.#server = new MetricsServer({
      port: config.metricsPort,
      // Locally the endpoint stays on postgres's first listen address (127.0.0.1 by default); in a pod, all.
      host: local ? bindHosts(config.listenAddresses)[0] : undefined,
      tls: tls
        ? {
            certFile: join(config.controller.certificates, TLS_FILES.serverCert),
            keyFile: join(config.controller.certificates, TLS_FILES.serverKey),
            version: () => state.filesSha256,
          }
        : undefined,
      scrape: () => this.scrape(),
      log: this.#log,
    });
    try {
      await this.#server.start(signal);
    } finally {
      await this.#pools.end();
    }
  }

  /** Closes the exporter's idle sessions (before postgres stops: a smart shutdown waits for every session). */
  async closeConnections(): Promise<void> {
    await this.#pools.end();
  }

  /** One scrape's exposition text; concurrent callers share the collection in flight. */
  scrape(): Promise<string> {
    this.#inflight ??= this.#collect().finally(() => {
      this.#inflight = undefined;
    });
    return this.#withBackstop(this.#inflight);
  }

  // What is known now, with the error counted, when the collection itself did not finish in time.
  async #withBackstop(collection: Promise<string>): Promise<string> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<undefined>((resolve) => (timer = setTimeout(resolve, SCRAPE_BACKSTOP_MS, undefined)));
    try {
      const text = await Promise.race([collection, late]);
      if (text !== undefined) return text;
    } finally {
      clearTimeout(timer);
    }
    this.#metrics.collectionErrors.inc({ collector: 'Collect.cnpg' });
    this.#metrics.lastCollectionError.set(1);
    this.#log.error({ ms: SCRAPE_BACKSTOP_MS }, 'metrics collection did not finish in time');
    return (await registryText(this.#metrics)) + this.#queries.selfMetrics();
  }

  async #collect(): Promise<string> {
    const deadline = performance.now() + SCRAPE_DEADLINES.collectionMs;
    const cluster = this.#o.cluster();
    if (!cluster) return registryText(this.#metrics);
    if (cluster !== this.#loadedFor) {
      const loaded = await loadQueries(cluster, { source: this.#o.source, log: this.#log, defaultQueriesFile: this.#o.defaultQueriesFile });
      this.#loadedFor = cluster;
      if (loaded.fingerprint !== this.#queriesFingerprint) {
        this.#queries.setQueries(loaded.queries, loaded.problems);
        this.#queriesFingerprint = loaded.fingerprint;
        this.#log.info({ queries: loaded.queries.length, problems: loaded.problems.length }, 'custom queries loaded');
      }
    }
    let custom: string;
    try {
      const context = await collectBuiltins(
        this.#metrics,
        {
          cluster,
          podName: this.#o.state.podName,
          ready: this.#o.lifecycle.isReady(),
          db: this.#pools,
          pgData: this.#o.config.pgData,
          timeoutMs: this.#o.queryTimeoutMs ?? QUERY_TIMEOUT_MS,
          pingTimeoutMs: SCRAPE_DEADLINES.pingMs,
          deadline,
        },
        this.#log,
      );
      const started = performance.now();
      custom = context ? await this.#queries.collect(context, cluster.spec.monitoring.metricsQueriesTTLSeconds) : this.#queries.selfMetrics();
      if (context) this.#metrics.collectionDuration.set({ collector: 'Collect.cnpg' }, (performance.now() - started) / 1000);
    } catch (err) {
      this.#metrics.collectionErrors.inc({ collector: 'Collect.cnpg' });
      this.#metrics.lastCollectionError.set(1);
      this.#log.error({ err: { message: describeError(err) } }, 'metrics collection failed');
      custom = this.#queries.selfMetrics();
    }
    return (await registryText(this.#metrics)) + custom;
  }
}

// prom-client spells NaN "Nan"; Prometheus parses either, but other consumers expect the canonical "NaN".
async function registryText(metrics: CollectorMetrics): Promise<string> {
  return (await metrics.registry.metrics()).replace(/ Nan$/gm, ' NaN');
}
