// The supervisor loop: start (or adopt) the postmaster, wait until it is ready, run the post-start tasks,
// then wait for either a stop request (smart -> fast) or an unexpected exit (exit 1 in a container, so the
// kubelet restarts the pod as with CNPG; restart in place with bounded backoff locally, where nothing else would).
import { setTimeout as sleep } from 'node:timers/promises';
import { ManagerError, describeError } from '../errors.js';
import { child } from '../log/logger.js';
import { readControlData, summarise } from './controldata.js';
import { cleanStalePidFile, inspectPidFile } from './pidfile.js';
import { adoptPostmaster, spawnPostmaster, waitGroupGone, waitUntilReady } from './postmaster.js';
import { stopPostmaster } from './stop.js';
const STABLE_AFTER_MS = 60_000;
/** Owns the postmaster. `run(stop)` resolves with the stop mode after a requested stop. */
export class Lifecycle {
    #o;
    #log;
    #pm;
    #ready = false;
    #lastTick = Date.now();
    constructor(options) {
        this.#o = options;
        this.#log = child(options.root, 'lifecycle');
    }
    /** The running postmaster, if any. */
    current() {
        return this.#pm && !this.#pm.hasExited() ? this.#pm : undefined;
    }
    /** True between "ready" and the postmaster's exit. */
    isReady() {
        return this.#ready && this.current() !== undefined;
    }
    /** When the loop last made progress (for a liveness check). */
    lastTick() {
        return this.#lastTick;
    }
    async #startOrAdopt() {
        const state = await inspectPidFile(this.#o.pgData);
        if (state.kind === 'live') {
            this.#log.info({ pid: state.pid }, 'adopting the running postmaster');
            return adoptPostmaster(state.pid);
        }
        if (state.kind === 'stale') {
            this.#log.info({ pid: state.pid, reason: state.reason }, 'removing stale postmaster.pid');
            await cleanStalePidFile(this.#o.pgData, this.#o.socketDir);
        }
        const pm = await spawnPostmaster({ pgBin: this.#o.pgBin, pgData: this.#o.pgData, registry: this.#o.registry, root: this.#o.root });
        this.#log.info({ pid: pm.pid }, 'postmaster started');
        return pm;
    }
    async #stop(pm) {
        const budget = this.#o.budget();
        const mode = await stopPostmaster(pm, {
            ...budget,
            log: this.#log,
            checkpoint: this.#ready ? this.#o.checkpoint : undefined,
            closeConnections: this.#o.closeConnections,
        });
        this.#ready = false;
        this.#log.info({ mode }, 'postmaster stopped');
        return mode;
    }
    async #afterCrash(pm, exit) {
        this.#ready = false;
        await this.#o.closeConnections();
        // Backends of a dead postmaster keep the shared memory interlock busy: end them before anything else.
        if (!pm.adopted) {
            pm.signalGroup('SIGKILL');
            await waitGroupGone(pm.pid, 5000);
        }
        const control = await readControlData(this.#o.pgBin, this.#o.pgData, this.#o.registry);
        this.#log.error({ pid: pm.pid, exitCode: exit.exitCode, signal: exit.signal, controldata: control.ok ? summarise(control.text) : control.text }, 'postmaster exited unexpectedly');
    }
    /** Runs until `stop` aborts (resolves) or the postmaster dies and the policy says exit (rejects). */
    async run(stop) {
        let failedStarts = 0;
        let backoffMs = 0;
        for (;;) {
            if (stop.aborted)
                return 'smart';
            const pm = await this.#startOrAdopt();
            this.#pm = pm;
            const startedAt = Date.now();
            try {
                await waitUntilReady(pm, this.#o.pgData, this.#o.budget().startDelay * 1000, stop);
            }
            catch (err) {
                if (stop.aborted)
                    return this.#stop(pm);
                const exit = pm.hasExited() ? await pm.exited : undefined;
                if (!exit)
                    throw err;
                failedStarts++;
                await this.#afterCrash(pm, exit);
                if (this.#o.policy === 'exit' || failedStarts >= (this.#o.maxFailedStarts ?? 5))
                    throw err;
                backoffMs = Math.min(Math.max(backoffMs * 2, 100), 10_000);
                await sleep(backoffMs, undefined, { signal: stop }).catch(() => undefined);
                continue;
            }
            failedStarts = 0;
            this.#ready = true;
            this.#lastTick = Date.now();
            try {
                await this.#o.onReady(pm);
            }
            catch (err) {
                if (!pm.hasExited()) {
                    this.#log.error({ err: describeError(err) }, 'post-start tasks failed: stopping postgres');
                    await this.#stop(pm);
                    throw err;
                }
                // The postmaster died under the post-start tasks: handled below as a crash.
            }
            const outcome = await Promise.race([
                pm.exited.then((exit) => ({ kind: 'exit', exit })),
                new Promise((resolve) => {
                    if (stop.aborted)
                        resolve({ kind: 'stop' });
                    stop.addEventListener('abort', () => resolve({ kind: 'stop' }), { once: true });
                }),
            ]);
            if (outcome.kind === 'stop')
                return this.#stop(pm);
            await this.#afterCrash(pm, outcome.exit);
            if (this.#o.policy === 'exit') {
                throw new ManagerError('POSTMASTER', `postmaster exited unexpectedly (${outcome.exit.signal ?? `exit code ${String(outcome.exit.exitCode)}`})`);
            }
            backoffMs = Date.now() - startedAt > STABLE_AFTER_MS ? 0 : Math.min(backoffMs === 0 ? 0 : backoffMs * 2, 10_000);
            if (backoffMs > 0)
                await sleep(backoffMs, undefined, { signal: stop }).catch(() => undefined);
            backoffMs = Math.max(backoffMs, 100);
            this.#log.info({ backoffMs }, 'restarting postmaster in place');
        }
    }
}
//# sourceMappingURL=lifecycle.js.map