// `instance run` (and `instance init`, which is the same path stopping after the bootstrap): wiring only.
// Load the Cluster, become the run user, provision, bootstrap if needed, write the files, start the log
// pipes, the reaper and the postmaster, follow spec changes, and stop cleanly on SIGTERM/SIGINT.
import { EXIT } from '../config/constants.js';
import type { Config } from '../config/config.js';
import { ManagerError, describeError } from '../errors.js';
import { child, namedLogger, type Logger } from '../log/logger.js';
import { startLogPipes } from '../log/log-pipes.js';
import type { Pool, DbTarget } from '../db/pool.js';
import { ensureSystemRoles } from '../db/roles.js';
import { countClientSessions } from '../db/client-sessions.js';
import { clearBootstrapMarker, inspectPgData, readPgMajor, runInitdb } from '../bootstrap/initdb.js';
import { startDataDirectorySync } from '../bootstrap/sync-pgdata.js';
import { createInstanceState } from '../reconcile/instance-state.js';
import { Reconciler } from '../reconcile/reconciler.js';
import { createChildRegistry } from '../supervisor/child-registry.js';
import { createReaper } from '../supervisor/reaper.js';
import { Lifecycle } from '../supervisor/lifecycle.js';
import { inspectPidFile } from '../supervisor/pidfile.js';
import { handleSignals } from '../supervisor/signals.js';
import { assertPortFree, becomeRunUser, bindHosts } from './preflight.js';
import { osCalls } from '../native/os-calls.js';
import { createSpecSource, localSecretUpkeep, provisionIfLocal } from './source-setup.js';
import { statusListenHost } from '../status/listen-host.js';
import { startServers, type Servers } from './servers.js';

/** Runs the instance until stopped; resolves with the process exit code. */
export async function instanceRun(
  config: Config,
  root: Logger,
  mode: 'run' | 'init',
  emergency: { stopPostgres?: () => void } = {},
): Promise<number> {
  const log = child(root, 'instance');
  const source = await createSpecSource(config, root);
  const cluster = await source.load();
  if (config.clusterName && config.clusterName !== cluster.name) {
    throw new ManagerError('USAGE', `--cluster-name ${config.clusterName} does not match metadata.name ${cluster.name} of the manifest`);
  }
  const podName = config.podName ?? `${cluster.name}-1`;
  // Before anything is created: a taken port found after initdb would leave a PGDATA whose bootstrap never
  // finished, and the next start would refuse it. (Skipped when a live postmaster will be adopted.)
  if ((await inspectPidFile(config.pgData).catch(() => undefined))?.kind !== 'live') {
    for (const host of bindHosts(config.listenAddresses)) await assertPortFree(config.port, host, 'postgres');
  }
  // The status port too: found taken later, it would stop a manager whose postgres already runs.
  if (mode === 'run') await assertPortFree(config.statusPort, statusListenHost(config) ?? '0.0.0.0', 'status');
  const user = await becomeRunUser(config);

  const registry = createChildRegistry();
  let pgState = await inspectPgData(config.pgData);
  if (pgState === 'bootstrap-pending') {
    throw new ManagerError('PGDATA', `PGDATA ${config.pgData} holds an unfinished bootstrap (initdb ran, the application database was not created): remove it to start over`);
  }
  if (mode === 'init' && pgState === 'initialised') {
    log.info({ pgdata: config.pgData }, 'PGDATA already initialised: nothing to do');
    return EXIT.ok;
  }
  const needsInitdb = pgState === 'missing' || pgState === 'empty';
  if (needsInitdb && config.source === 'kube' && mode === 'run') {
    throw new ManagerError('PGDATA', `PGDATA ${config.pgData} is empty: run \`instance init\` first`);
  }
  // Provisioning (key generation in a child process) and initdb do not depend on each other:
  // side by side they share the two cores instead of adding up.
  const provisioned = provisionIfLocal(source, cluster, root, registry);
  if (needsInitdb) {
    await Promise.all([runInitdb({ pgBin: config.pgBin, pgData: config.pgData, spec: cluster.spec.bootstrap.initdb, registry, root }), provisioned]);
    pgState = 'bootstrap-pending';
  } else {
    await provisioned;
  }
  let bootstrapPending = pgState === 'bootstrap-pending';
  // initdb ran with --no-sync: its files go to disk while postgres starts and the bootstrap SQL runs (started
  // with the postmaster, not before: the walk's writeback would slow the fsyncs of the files written before
  // the spawn), and the bootstrap marker is removed only once both are done.
  let newPgDataSynced: Promise<void> | undefined;
  const pgMajor = await readPgMajor(config.pgData);

  let onReload = (): void => log.info('SIGHUP before start-up finished: nothing to reload yet');
  const signals = handleSignals(
    () => onReload(),
    (signal) => log.info({ signal }, 'already stopping: a smart shutdown moves on to fast'),
  );
  signals.stop.addEventListener('abort', () => log.info({ signal: String(signals.stop.reason) }, 'stop requested'), { once: true });
  const selfStop = new AbortController();
  const stop = AbortSignal.any([signals.stop, selfStop.signal]);
  const background = new AbortController();
  const reaper = createReaper({ registry, log: child(root, 'reaper'), subreaper: process.pid !== 1 });
  const reaperDone = reaper.start(background.signal);
  const pipes = startLogPipes({ logDir: config.controller.log, root, signal: background.signal });

  const state = createInstanceState(cluster.name, podName);
  source.observe?.(state);
  const reconciler = new Reconciler({
    source,
    pgData: config.pgData,
    controller: config.controller,
    port: config.port,
    listenAddresses: config.listenAddresses,
    pgMajor,
    osUser: user.name,
    state,
    root,
    onPasswordApplied: localSecretUpkeep(source, root),
  });
  const target: DbTarget = { socketDir: config.controller.run, port: config.port };
  // pg is loaded once the postmaster is spawned, while postgres starts, not before the spawn (~10 ms).
  let dbModule: Promise<DbModule> | undefined;
  const loadDb = (): Promise<DbModule> => (dbModule ??= import('../db/pool.js'));
  let db: DbModule | undefined;
  let pool: Pool | undefined;
  const getPool = (): Pool => {
    if (!db) throw new ManagerError('INTERNAL', 'database pool wanted before the database module was loaded');
    return (pool ??= db.createPool(target, child(root, 'db')));
  };
  const closePool = async (): Promise<void> => {
    const p = pool;
    pool = undefined;
    await p?.end().catch(() => undefined);
    await servers?.closeConnections();
  };
  let servers: Servers | undefined;
  let onSpawned: () => void = () => undefined;
  const spawned = new Promise<void>((resolve) => (onSpawned = resolve));
  const lifecycle: Lifecycle = new Lifecycle({
    onSpawned: () => {
      if (needsInitdb) newPgDataSynced ??= startDataDirectorySync({ pgBin: config.pgBin, pgData: config.pgData, registry, log: namedLogger(root, 'initdb') });
      void loadDb();
      onSpawned();
    },
    pgBin: config.pgBin,
    pgData: config.pgData,
    socketDir: config.controller.run,
    registry,
    root,
    policy: mode === 'init' ? 'exit' : config.onPostmasterExit,
    budget: () => {
      const spec = reconciler.cluster()?.spec ?? cluster.spec;
      return { smartShutdownTimeout: spec.smartShutdownTimeout, stopDelay: spec.stopDelay, startDelay: spec.startDelay };
    },
    checkpoint: async (timeoutMs) => {
      const { withClient } = await loadDb();
      await withTimeout(withClient(target, async (c) => void (await c.query('CHECKPOINT'))), timeoutMs, 'CHECKPOINT');
    },
    closeConnections: closePool,
    clientSessions: async () => {
      const { withClient } = await loadDb();
      return withTimeout(withClient(target, countClientSessions), 2000, 'counting client sessions');
    },
    hurry: signals.hurry,
    onReady: async (pm) => {
      state.postmasterPid = pm.pid;
      db = await loadDb();
      if (bootstrapPending) {
        const { runBootstrapSql } = await import('../bootstrap/bootstrap-sql.js');
        await runBootstrapSql({ target, spec: cluster.spec.bootstrap.initdb, log });
        // The owner can log in once the bootstrap is done, not only after the first reconcile below.
        await reconciler.applyPasswords(getPool());
        await newPgDataSynced;
        await clearBootstrapMarker(config.pgData);
        bootstrapPending = false;
      }
      // Through the pool: the session stays open for applyRunning's queries, one connection instead of two.
      const session = await getPool().connect();
      try {
        await ensureSystemRoles(session);
      } finally {
        session.release();
      }
      await reconciler.applyRunning(pm, getPool());
      state.ready = true;
      log.info(
        { pgdata: config.pgData, socketDir: config.controller.run, port: config.port, listenAddresses: config.listenAddresses, logDir: config.controller.log, statusFile: config.statusFile, secretsDir: config.secretsDir, pid: pm.pid },
        'instance ready',
      );
      if (mode === 'init') selfStop.abort('init complete');
      // Start-up garbage (bootstrap SQL, file rendering, TLS set-up) was freed but stays in malloc's arenas
      // until trimmed: hand it back so the idle manager's RSS is what it actually uses.
      else osCalls().mallocTrim();
    },
  });
  emergency.stopPostgres = () => lifecycle.current()?.signal('SIGINT');
  // SIGHUP: re-read the Cluster, rewrite what changed, and pass the reload on to postgres (pg_ctl reload).
  onReload = () =>
    void source
      .load()
      .then((c) => reconciler.reconcile(c, running))
      .catch((err: unknown) => log.error({ err: describeError(err) }, 'reload: Cluster invalid, files left as they were'))
      .finally(() => lifecycle.current()?.signal('SIGHUP'));
  function running(): { pm: NonNullable<ReturnType<Lifecycle['current']>>; pool: Pool } | undefined {
    const pm = lifecycle.current();
    return pm && lifecycle.isReady() ? { pm, pool: getPool() } : undefined;
  }
  try {
    await withTimeout(pipes.ready, 10_000, 'opening the log FIFOs');
    await reconciler.writeFiles(cluster);
    if (mode === 'run') void followChanges();
    const run = lifecycle.run(stop);
    if (mode === 'run') {
      await Promise.race([spawned, run.catch(() => undefined)]);
      try {
        if (!stop.aborted) servers = await startServers({ config, state, lifecycle, cluster: () => reconciler.cluster(), source, registry, root, stopAsked: stop }, background.signal);
      } catch (err) {
        // Without its servers the instance cannot be probed: stop postgres cleanly and fail.
        selfStop.abort(err);
        await run.catch(() => undefined);
        throw err;
      }
    }
    const how = await run;
    log.info({ mode: how }, 'instance manager stopping');
    return EXIT.ok;
  } finally {
    // postgres's logger outlives the postmaster by a moment; reap it rather than leave a zombie behind.
    if (!(await reaper.drain(2000))) log.warn('orphaned processes still running at exit');
    background.abort();
    signals.dispose();
    await closePool();
    await Promise.allSettled([pipes.done, reaperDone, servers?.done]);
  }

  async function followChanges(): Promise<void> {
    const onInvalid = (err: unknown): void => log.error({ err: describeError(err) }, 'new Cluster version refused; the previous one stays in force');
    for await (const next of source.watch(background.signal, onInvalid)) {
      log.info({ source: source.description }, 'Cluster changed');
      await reconciler.reconcile(next, running);
    }
  }
}

type DbModule = typeof import('../db/pool.js');

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ManagerError('INTERNAL', `${what} did not finish within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
