// Starting the postmaster of PGDATA: adopt the live one postmaster.pid names (only when it is this PGDATA's,
// pidfile.ts), or clean a stale pid file and spawn `postgres -D` as a direct child.
import type { Logger } from '../log/logger.js';
import type { ChildRegistry } from './child-registry.js';
import { cleanStalePidFile, inspectPidFile } from './pidfile.js';
import { adoptPostmaster, spawnPostmaster, type Postmaster } from './postmaster.js';

export interface StartPostmasterOptions {
  pgBin: string;
  pgData: string;
  socketDir: string;
  registry: ChildRegistry;
  root: Logger;
  log: Logger;
  /** Variables added to postgres's environment. */
  extraEnv?: Readonly<Record<string, string>>;
}

/** The running postmaster of PGDATA: adopted when one is live, spawned otherwise. */
export async function startOrAdoptPostmaster(o: StartPostmasterOptions): Promise<Postmaster> {
  const state = await inspectPidFile(o.pgData);
  if (state.kind === 'live') {
    o.log.info({ pid: state.pid }, 'adopting the running postmaster');
    return adoptPostmaster(state.pid);
  }
  if (state.kind === 'stale') {
    o.log.info({ pid: state.pid, reason: state.reason }, 'removing stale postmaster.pid');
    await cleanStalePidFile(o.pgData, o.socketDir);
  }
  const pm = await spawnPostmaster({ pgBin: o.pgBin, pgData: o.pgData, registry: o.registry, root: o.root, extraEnv: o.extraEnv });
  o.log.info({ pid: pm.pid }, 'postmaster started');
  return pm;
}
