// Reload = SIGHUP to the postmaster (what `pg_ctl reload` sends), then wait until a backend reports the
// hashes just written, so "reloaded" means the new configuration is in force, not merely requested.
import { setTimeout as sleep } from 'node:timers/promises';
import { ManagerError } from '../errors.js';
import type { Pool } from '../db/pool.js';
import { loadedSettings, type LoadedSettings } from '../db/settings.js';
import type { Postmaster } from '../supervisor/postmaster.js';

export interface ExpectedHashes {
  configSha256: string;
  filesSha256: string;
}

/** Polls until the server reports `expected`; rejects after `timeoutMs` naming what it saw. */
export async function waitForLoadedHashes(pool: Pool, expected: ExpectedHashes, timeoutMs: number): Promise<LoadedSettings> {
  const deadline = Date.now() + timeoutMs;
  let seen: LoadedSettings | undefined;
  let delay = 2;
  while (Date.now() < deadline) {
    seen = await loadedSettings(pool);
    if (seen.configSha256 === expected.configSha256 && seen.filesSha256 === expected.filesSha256) return seen;
    await sleep(delay);
    delay = Math.min(delay * 2, 50);
  }
  throw new ManagerError(
    'RELOAD',
    `configuration not loaded after ${timeoutMs} ms (server reports config hash ${seen?.configSha256.slice(0, 12) ?? 'none'}, expected ${expected.configSha256.slice(0, 12)})`,
    { retryable: true },
  );
}

/** Sends SIGHUP and waits for the new hashes to be in force. */
export async function reloadAndWait(pm: Postmaster, pool: Pool, expected: ExpectedHashes, timeoutMs = 10_000): Promise<LoadedSettings> {
  pm.signal('SIGHUP');
  return waitForLoadedHashes(pool, expected, timeoutMs);
}
