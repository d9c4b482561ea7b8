// Smart -> fast -> immediate shutdown within the Cluster's budget (CNPG TryShuttingDownSmartFast).
// PostgreSQL's shutdown modes are signals to the postmaster (src/backend/postmaster/postmaster.c,
// pmdie): SIGTERM smart, SIGINT fast, SIGQUIT immediate; patroni's STOP_SIGNALS table names them.
import type { Logger } from '../log/logger.js';
import type { Postmaster } from './postmaster.js';
import { waitGroupGone } from './postmaster.js';

export type StopMode = 'smart' | 'fast' | 'immediate';

export interface StopBudget {
  /** spec.smartShutdownTimeout in seconds; 0 skips smart. */
  smartShutdownTimeout: number;
  /** spec.stopDelay in seconds: the whole shutdown must fit (it is the pod's grace period). */
  stopDelay: number;
  /** False: no CHECKPOINT before the shutdown (a demotion, where it only lengthens the switchover). */
  checkpointFirst?: boolean;
}

export interface StopOptions extends StopBudget {
  log: Logger;
  /** CHECKPOINT on a primary before smart/fast, so the shutdown checkpoint has little left to write. */
  checkpoint?: (timeoutMs: number) => Promise<void>;
  /** Called before the first signal: close the manager's own connections, or smart waits for them. */
  closeConnections?: () => Promise<void>;
  /** The client sessions a smart shutdown would wait for (asked before the manager's own are closed). */
  clientSessions?: () => Promise<number>;
  /** Aborted (a second stop signal): skip or cut short the smart shutdown and go on to fast at once. */
  hurry?: AbortSignal;
}

async function exitWithin(pm: Postmaster, ms: number, hurry?: AbortSignal): Promise<boolean> {
  if (pm.hasExited()) return true;
  let timer: NodeJS.Timeout | undefined;
  let onHurry = (): void => undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), Math.max(0, ms));
    onHurry = () => resolve(false);
    if (hurry?.aborted) onHurry();
    hurry?.addEventListener('abort', onHurry, { once: true });
  });
  try {
    return await Promise.race([pm.exited.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
    hurry?.removeEventListener('abort', onHurry);
  }
}

async function countSessions(options: StopOptions): Promise<number | undefined> {
  if (!options.clientSessions) return undefined;
  return options.clientSessions().catch((err: unknown) => {
    options.log.warn({ err: { message: (err as Error).message } }, 'could not count the client sessions');
    return undefined;
  });
}

/**
 * Stops the postmaster: smart bounded by smartShutdownTimeout (skipped when stopDelay <= it, as CNPG
 * does), then fast with what is left of stopDelay, then immediate. CNPG never escalates and leaves
 * that to the kubelet's SIGKILL; we escalate ourselves so the last step still lets postgres write
 * nothing half-done. Returns the mode that finished the job.
 */
export async function stopPostmaster(pm: Postmaster, options: StopOptions): Promise<StopMode> {
  const started = Date.now();
  const budgetMs = options.stopDelay * 1000;
  const left = (): number => budgetMs - (Date.now() - started);
  const useSmart = options.smartShutdownTimeout > 0 && options.stopDelay > options.smartShutdownTimeout;
  if (!useSmart && options.smartShutdownTimeout > 0) options.log.warn({ smartShutdownTimeout: options.smartShutdownTimeout, stopDelay: options.stopDelay }, 'smart shutdown skipped: stopDelay must exceed smartShutdownTimeout');
  if (pm.hasExited()) return 'fast';
  const hurried = (): boolean => options.hurry?.aborted === true;
  const sessions = useSmart && !hurried() ? await countSessions(options) : undefined;
  if (options.checkpoint && !hurried()) {
    const checkpointBudget = Math.min(left() / 2, useSmart ? options.smartShutdownTimeout * 1000 : left() / 2);
    await options.checkpoint(checkpointBudget).catch((err: unknown) => {
      options.log.warn({ err: { message: (err as Error).message } }, 'checkpoint before shutdown failed');
    });
  }
  await options.closeConnections?.();
  if (useSmart && !hurried()) {
    const waitS = Math.round(Math.min(options.smartShutdownTimeout * 1000, left()) / 1000);
    const waiting = sessions === undefined ? '' : `: waiting up to ${waitS} s for ${sessions} client session${sessions === 1 ? '' : 's'} to end (stop again for a fast shutdown)`;
    options.log.info({ timeoutSeconds: options.smartShutdownTimeout, clientSessions: sessions }, `requesting smart shutdown${waiting}`);
    pm.signal('SIGTERM');
    if (await exitWithin(pm, Math.min(options.smartShutdownTimeout * 1000, left()), options.hurry)) return 'smart';
    if (hurried()) options.log.info({ signal: String(options.hurry?.reason) }, 'stop asked again: not waiting for the smart shutdown');
    else options.log.warn('smart shutdown timed out');
  }
  options.log.info({ timeoutMs: Math.max(0, left()) }, 'requesting fast shutdown');
  pm.signal('SIGINT');
  if (await exitWithin(pm, left())) return 'fast';
  options.log.error('fast shutdown timed out: requesting immediate shutdown');
  pm.signal('SIGQUIT');
  if (!(await exitWithin(pm, 5000))) pm.signalGroup('SIGKILL');
  await waitGroupGone(pm.pid, 5000);
  return 'immediate';
}
