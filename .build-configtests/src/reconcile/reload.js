// Reload = SIGHUP to the postmaster (what `pg_ctl reload` sends), then wait until a backend reports the
// hashes just written, so "reloaded" means the new configuration is in force, not merely requested.
import { setTimeout as sleep } from 'node:timers/promises';
import { ManagerError } from '../errors.js';
import { loadedSettings } from '../db/settings.js';
/** Polls until the server reports `expected`; rejects after `timeoutMs` naming what it saw. */
export async function waitForLoadedHashes(pool, expected, timeoutMs) {
    const deadline = Date.now() + timeoutMs;
    let seen;
    let delay = 2;
    while (Date.now() < deadline) {
        seen = await loadedSettings(pool);
        if (seen.configSha256 === expected.configSha256 && seen.filesSha256 === expected.filesSha256)
            return seen;
        await sleep(delay);
        delay = Math.min(delay * 2, 50);
    }
    throw new ManagerError('RELOAD', `configuration not loaded after ${timeoutMs} ms (server reports config hash ${seen?.configSha256.slice(0, 12) ?? 'none'}, expected ${expected.configSha256.slice(0, 12)})`, { retryable: true });
}
/** Sends SIGHUP and waits for the new hashes to be in force. */
export async function reloadAndWait(pm, pool, expected, timeoutMs = 10_000) {
    pm.signal('SIGHUP');
    return waitForLoadedHashes(pool, expected, timeoutMs);
}
//# sourceMappingURL=reload.js.map