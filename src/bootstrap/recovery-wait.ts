// Waits for the end of a bootstrap recovery: postgres replays WAL up to the target and promotes itself
// (recovery_target_action = 'promote'), so pg_is_in_recovery() turns false. CNPG polls every 5 s without
// bound (restore.go ConfigureInstanceAfterRestore); here every second, with the replay position logged
// every 10 s, and a postmaster that exits (a target the archive does not reach, a gap) ends the wait with
// the error at once.
import { setTimeout as sleep } from 'node:timers/promises';
import { ManagerError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { LazyDb } from '../db/lazy-db.js';
import type { Postmaster } from '../supervisor/postmaster.js';

/** Resolves once postgres left recovery; rejects when it exited first. */
export async function waitForPromotion(o: { db: LazyDb; pm: Postmaster; log: Logger; signal: AbortSignal }): Promise<void> {
  let exited: string | undefined;
  void o.pm.exited.then((e) => (exited = e.signal ?? `exit code ${String(e.exitCode)}`));
  const { withClient } = await o.db.load();
  let lastLog = 0;
  for (;;) {
    o.signal.throwIfAborted();
    if (exited) {
      // postgres said why in its own log ("recovery ended before configured recovery target was reached").
      throw new ManagerError('RECOVERY', `postgres stopped before the end of the recovery (${exited}): the recovery target is not reachable with the WAL in the archive (a target after the last archived WAL, or a gap; postgres's log lines above say which). Nothing was started; the next start restores again`);
    }
    const row = await withClient(o.db.target, async (c) => (await c.query<{ rec: boolean; lsn: string | null; ts: Date | null }>('SELECT pg_is_in_recovery() AS rec, pg_last_wal_replay_lsn()::text AS lsn, pg_last_xact_replay_timestamp() AS ts')).rows[0]).catch(() => undefined);
    if (row && !row.rec) return;
    if (row && Date.now() - lastLog > 10_000) {
      lastLog = Date.now();
      o.log.info({ replayLSN: row.lsn, lastReplayedTransaction: row.ts?.toISOString() }, 'recovery in progress');
    }
    await sleep(1000, undefined, { signal: o.signal });
  }
}
