// The manager's own database access over the Unix socket, loaded late: `pg` is imported once the postmaster
// has been spawned (while postgres starts, ~10 ms off a restart), and the pool is made on first use.
import { ManagerError } from '../errors.js';
import { child, type Logger } from '../log/logger.js';
import type { DbTarget, Pool } from './pool.js';

type DbModule = typeof import('./pool.js');

export interface LazyDb {
  readonly target: DbTarget;
  /** Loads `pg` (once); call it when the postmaster is spawned. */
  load(): Promise<DbModule>;
  /** The shared pool; only after load() has resolved. */
  pool(): Pool;
  /** Ends the pool (a smart shutdown waits for every session); the next pool() makes a new one. */
  close(): Promise<void>;
}

/** A lazy pool for `target`. */
export function createLazyDb(target: DbTarget, root: Logger): LazyDb {
  let loading: Promise<DbModule> | undefined;
  let module: DbModule | undefined;
  let pool: Pool | undefined;
  return {
    target,
    load: () =>
      (loading ??= import('./pool.js').then((m) => {
        module = m;
        return m;
      })),
    pool: () => {
      if (!module) throw new ManagerError('INTERNAL', 'database pool wanted before the database module was loaded');
      return (pool ??= module.createPool(target, child(root, 'db')));
    },
    close: async () => {
      const p = pool;
      pool = undefined;
      await p?.end().catch(() => undefined);
    },
  };
}
