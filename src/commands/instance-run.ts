// `instance run`: wiring only. Prepare (load, check, become the run user), start the reaper and the log pipes,
// run the one-shot bootstrap step when PGDATA needs one (embedded default) or write the files, then the
// postmaster's lifecycle, the servers and the spec watch; wait until stopped and map the outcome to an exit code.
import { isFenced } from '../spec/fencing.js';
import { EXIT } from '../config/constants.js';
import type { Config } from '../config/config.js';
import { ManagerError, PartFailedError, describeError } from '../errors.js';
import { child, type Logger } from '../log/logger.js';
import { countClientSessions } from '../db/client-sessions.js';
import { ensureSystemRoles } from '../db/roles.js';
import { grantRewindFunctions } from '../db/rewind-grants.js';
import { runInitStep } from '../bootstrap/init-step.js';
import { runRecoveryStep } from '../bootstrap/recovery-step.js';
import { needsRecovery, recoveryStepOptions } from './recovery-options.js';
import { osCalls } from '../native/os-calls.js';
import { followChanges } from '../reconcile/follow-changes.js';
import { createReaper } from '../supervisor/reaper.js';
import { Lifecycle } from '../supervisor/lifecycle.js';
import type { Postmaster } from '../supervisor/postmaster.js';
import { handleSignals } from '../supervisor/signals.js';
import { stopPostmaster } from '../supervisor/stop.js';
import { PartGroup } from './part-group.js';
import { prepareInstance, type Prepared } from './prepare.js';
import { initStepOptions } from './init-options.js';
import { joinStepOptions } from './join-options.js';
import { cloneOptions, clonesExternal } from './clone-options.js';
import { backupPart } from './backup-part.js';
import { objectStorePart, wantsEmbeddedStore } from './object-store-part.js';
import { lifecyclePart, logPipesPart, reaperPart, serversPart, volumesPart, watchPart } from './run-parts.js';
import { slotsPart } from './slots-part.js';
import { rolesPart, type RolesRef } from './roles-part.js';
import type { SlotKeeper } from '../reconcile/slot-keeper.js';
import { replicationContext } from './prepare.js';
import type { Servers } from './servers.js';
import type { Reconciler } from '../reconcile/reconciler.js';
import type { RoleController } from '../replication/role-controller.js';
import { demotionBudget, prepareRole, releasePrimaryLease, rolePart, type Demotion } from './role-wiring.js';
import { provisionIfLocal } from './source-setup.js';
import { withOwnStatus } from './own-status.js';
import { walChannelPart } from './wal-channel-part.js';
import { BackupStarter } from './backup-when-configured.js';
import { withTimeout } from './with-timeout.js';
import { databaseLoop, databasesPart } from './databases-part.js';
import { extensionEnv } from '../pgfiles/extension-paths.js';

/** Runs the instance until stopped; resolves with the process exit code. */
export async function instanceRun(config: Config, root: Logger, emergency: { stopPostgres?: () => void } = {}): Promise<number> {
  const log = child(root, 'instance');
  const p = await prepareInstance(config, root, true);
  if (p.pgState !== 'initialised' && config.source === 'kube') {
    const what = p.pgState === 'bootstrap-pending' ? 'holds a bootstrap that did not finish' : 'is empty';
    throw new ManagerError('PGDATA', `PGDATA ${config.pgData} ${what}: run \`instance init\` (the first primary) or \`instance join\` (a replica) first`);
  }
  let onReload = (): void => log.info('SIGHUP before start-up finished: nothing to reload yet');
  const signals = handleSignals(
    () => onReload(),
    (signal) => log.info({ signal }, 'already stopping: a smart shutdown moves on to fast'),
  );
  signals.stop.addEventListener('abort', () => log.info({ signal: String(signals.stop.reason) }, 'stop requested'), { once: true });
  const group = new PartGroup(log, signals.stop);
  const holder: { servers?: Servers } = {};
  const reconcilerRef: { reconciler?: Reconciler } = {};
  const closeConnections = async (): Promise<void> => {
    await p.db.close();
    await holder.servers?.closeConnections();
  };
  try {
    await group.start(reaperPart(createReaper({ registry: p.registry, log: child(root, 'reaper'), subreaper: process.pid !== 1 }), log));
    await group.start(logPipesPart(config.controller.log, root));
    await group.start(volumesPart(config.pgData, root));
    // The embedded default's object store comes before the bootstrap: a recovery reads from it, archiving writes to it.
    if (wantsEmbeddedStore(p)) await group.start(objectStorePart(p));
    // Up before any postmaster: archive_command and restore_command reach the manager through it.
    const walCluster = withOwnStatus(p.source, () => reconcilerRef.reconciler?.cluster() ?? p.cluster);
    await group.start(walChannelPart({ config, source: p.source, podName: p.state.podName, cluster: walCluster, registry: p.registry, root }));
    const provisioned = provisionIfLocal(p.source, p.cluster, root, p.registry);
    // Awaited by the bootstrap step; marked handled in case the group ends before that step runs.
    provisioned.catch(() => undefined);
    const handedOver = await group.during('bootstrap', EXIT.parts.bootstrap, async (signal): Promise<Postmaster | false> => {
      // The first primary of a Cluster bootstrapped by recovery restores; its replicas clone it (below).
      if (!joins(p) && (await needsRecovery(p))) {
        await runRecoveryStep(recoveryStepOptions(p, provisioned, closeConnections), signal);
        await (await p.reconciler()).writeFiles(p.cluster);
        return false;
      }
      if (clonesExternal(p, joins(p))) {
        // spec.bootstrap.pg_basebackup: a copy of the external cluster instead of initdb (loaded only to clone).
        const { runCloneExternalStep } = await import('../bootstrap/clone-external-step.js');
        await runCloneExternalStep(await cloneOptions(p, provisioned), signal);
        p.pgState = 'initialised';
      }
      if (p.pgState !== 'initialised' && !joins(p)) return runInitStep(initStepOptions(p, provisioned, closeConnections), signal);
      if (p.pgState !== 'initialised') {
        // Not the target primary: this instance starts as a replica of it (CNPG runs the join Job first).
        // Loaded only to clone: it brings pg (the replication connection), which an ordinary start loads later.
        const { runJoinStep } = await import('../bootstrap/join-step.js');
        await runJoinStep(await joinStepOptions(p, provisioned), signal);
        p.pgState = 'initialised';
      }
      await provisioned;
      // A former primary rewinds (or clones again) before it starts, as a replica; then every file is written anew.
      await (await p.reconciler()).writeFiles(await prepareRole(p, provisioned, signal));
      return false;
    });
    if (handedOver && group.ended) {
      // The bootstrap finished just as the stop came: nobody takes its postmaster over, so stop it here.
      log.info({ mode: await stopPostmaster(handedOver, { ...p.budget(), log, closeConnections }) }, 'postmaster stopped');
    } else if (handedOver !== undefined) {
      const spawned: { ready?: () => void } = {};
      const keeperRef: { keeper?: SlotKeeper } = {};
      const rolesRef: RolesRef = {};
      const databases = databaseLoop(p);
      // The slot and role keepers, and the Database pass (`recheck`: every Database again, after a start or a role change).
      const nudgeKeepers = (recheck = false): void => {
        [keeperRef.keeper, rolesRef.keeper].forEach((k) => k?.nudge());
        databases?.loop.nudge(recheck);
      };
      const roleRef: { controller?: RoleController } = {};
      const demotion: Demotion = { active: false };
      const lifecycle = await buildLifecycle(p, log, closeConnections, spawned, signals.hurry, () => {
        nudgeKeepers(true);
        const current = reconcilerRef.reconciler?.cluster();
        if (current) roleRef.controller?.offer(current);
      }, () => demotionBudget(p, demotion));
      emergency.stopPostgres = () => lifecycle.current()?.signal('SIGINT');
      const reconciler = await p.reconciler();
      reconcilerRef.reconciler = reconciler;
      const running = (): { pm: Postmaster; pool: ReturnType<Prepared['db']['pool']> } | undefined => {
        const pm = lifecycle.current();
        return pm && lifecycle.isReady() ? { pm, pool: p.db.pool() } : undefined;
      };
      // SIGHUP: re-read the Cluster, rewrite what changed, and pass the reload on to postgres (pg_ctl reload).
      onReload = () =>
        void p.source
          .load()
          .then((c) => reconciler.reconcile(p.warnOnce(c), running))
          .catch((err: unknown) => log.error({ err: describeError(err) }, 'reload: Cluster invalid, files left as they were'))
          .finally(() => lifecycle.current()?.signal('SIGHUP'));
      await group.start(lifecyclePart(lifecycle, spawned, handedOver || undefined, log));
      const servers = { config, state: p.state, lifecycle, cluster: () => reconciler.cluster(), source: p.source, registry: p.registry, root, stopAsked: signals.stop, fencing: p.fencing };
      await group.start(serversPart(servers, holder));
      const { SlotKeeper } = await import('../reconcile/slot-keeper.js');
      const keeper = new SlotKeeper({
        ctx: replicationContext(config, p.state.podName),
        cluster: () => reconciler.cluster(),
        role: () => p.state.role,
        pool: () => (running() && p.state.ready ? p.db.pool() : undefined),
        log: child(root, 'slots'),
      });
      keeperRef.keeper = keeper;
      await group.start(slotsPart(keeper));
      await group.start(rolesPart({ cluster: () => reconciler.cluster(), pool: () => (running() && p.state.ready && p.state.role === 'primary' ? p.db.pool() : undefined), source: p.source, log: child(root, 'managed-roles') }, rolesRef));
      // After a promotion the files follow the new role at once (the file source does not yield our own patches).
      const refresh = (): void =>
        void p.source
          .load()
          .then((c) => reconciler.reconcile(p.warnOnce(c), running))
          // The new primary creates its peers' HA slots, its declared roles and Databases now, not at the next round.
          .then(() => nudgeKeepers(true))
          .catch((err: unknown) => log.warn({ err: describeError(err) }, 'reconcile after the role change failed; the next Cluster version retries'));
      await group.start(rolePart(p, lifecycle, roleRef, demotion, refresh));
      if (databases) await group.start(databasesPart(databases));
      const backups = new BackupStarter({ start: (part) => group.start(part), part: () => backupPart(p, () => reconciler.cluster() ?? p.cluster, () => lifecycle.hold()), log });
      await backups.offer(p.cluster, false);
      const onInvalid = (err: unknown): void => log.error({ err: describeError(err) }, 'new Cluster version refused; the previous one stays in force');
      await group.start(
        watchPart(
          (signal) =>
            followChanges({
              changes: p.source.watch(signal, onInvalid),
              apply: async (next) => {
                p.fencing.set(isFenced(next, p.state.podName));
                roleRef.controller?.offer(next);
                // A version that demotes this primary is applied by the demotion in place (the replica's files, its start).
                if (roleRef.controller?.demotes(next) === true) return true;
                const ok = await reconciler.reconcile(p.warnOnce(next), running);
                nudgeKeepers();
                if (ok) await backups.offer(next, true);
                return ok;
              },
              log,
              source: () => p.source.description,
              signal,
            }),
          log,
        ),
      );
    }
    const outcome = await group.wait();
    // Postgres has stopped: a primary hands the Lease over now rather than after its expiry.
    await releasePrimaryLease(p);
    if (outcome.kind === 'failed') throw new PartFailedError(outcome.part.name, outcome.part.exitCode, outcome.error);
    return EXIT.ok;
  } finally {
    signals.dispose();
    await closeConnections();
  }
}

// An empty PGDATA of an instance that is not the target primary is cloned from it, never initdb'd: two
// initdb'd instances would be two unrelated clusters. (A bootstrap left pending is initdb's own and finished.)
function joins(p: Prepared): boolean {
  const target = p.cluster.status.targetPrimary;
  return p.pgState !== 'bootstrap-pending' && typeof target === 'string' && target !== '' && target !== p.state.podName;
}

// `spawned.ready` is set by the lifecycle part: Lifecycle's onSpawned fires per postmaster, the part is ready at the first.
async function buildLifecycle(
  p: Prepared,
  log: Logger,
  closeConnections: () => Promise<void>,
  spawned: { ready?: () => void },
  hurry: AbortSignal,
  afterReady: () => void,
  budget: Prepared['budget'],
): Promise<Lifecycle> {
  const { config, root, db, state } = p;
  const reconciler = await p.reconciler();
  return new Lifecycle({
    pgBin: config.pgBin,
    pgData: config.pgData,
    socketDir: config.controller.run,
    registry: p.registry,
    root,
    policy: config.onPostmasterExit,
    extraEnv: extensionEnv(p.cluster.spec.postgresql.extensions ?? [], process.env),
    budget,
    fencing: p.fencing,
    onSpawned: () => {
      void db.load();
      spawned.ready?.();
    },
    // The servers start while the start is held for WAL space, so the full volume can be seen (status, metrics).
    onStartHeld: () => spawned.ready?.(),
    checkpoint: async (timeoutMs) => {
      const { withClient } = await db.load();
      await withTimeout(withClient(db.target, async (c) => void (await c.query('CHECKPOINT'))), timeoutMs, 'CHECKPOINT');
    },
    closeConnections,
    clientSessions: async () => {
      const { withClient } = await db.load();
      return withTimeout(withClient(db.target, countClientSessions), 2000, 'counting client sessions');
    },
    // A second stop signal: a smart shutdown moves on to fast at once.
    hurry,
    // After every start: the system roles, then the running reconcile (reload check, passwords, status).
    onReady: async (pm) => {
      state.postmasterPid = pm.pid;
      await db.load();
      // Through the pool: the session stays open for applyRunning's queries, one connection instead of two.
      // A replica is read-only: its roles and passwords come from the primary through WAL.
      if (state.role === 'primary') {
        const session = await db.pool().connect();
        try {
          await ensureSystemRoles(session);
          await grantRewindFunctions(session);
        } finally {
          session.release();
        }
      }
      await reconciler.applyRunning(pm, db.pool());
      state.ready = true;
      afterReady();
      log.info(
        { pgdata: config.pgData, socketDir: config.controller.run, port: config.port, listenAddresses: config.listenAddresses, logDir: config.controller.log, statusFile: config.statusFile, secretsDir: config.secretsDir, pid: pm.pid },
        'instance ready',
      );
      // Start-up garbage (bootstrap SQL, file rendering, TLS set-up) was freed but stays in malloc's arenas
      // until trimmed: hand it back so the idle manager's RSS is what it actually uses.
      osCalls().mallocTrim();
    },
  });
}
