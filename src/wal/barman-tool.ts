// Runs one barman-cloud-* tool (Debian's barman-cli-cloud) with the store's credentials in its environment
// only (never argv, never a file): the reference tools behind the empty-archive check and what the in-process
// uploader does not do itself (bzip2, Azure).
import type { ChildRegistry } from '../supervisor/child-registry.js';
import { runToCompletion, type RunResult } from '../supervisor/run-to-completion.js';
import { inheritedEnv } from '../supervisor/spawn.js';
import type { StoreSettings } from './store-settings.js';

const BARMAN_TIMEOUT_MS = 10 * 60_000;

/** Runs `tool <options...> <destinationPath> <serverName> <extra...>`; `before` goes ahead of the store options. */
export async function runBarman(registry: ChildRegistry, s: StoreSettings, tool: string, before: readonly string[], extra: readonly string[], signal?: AbortSignal): Promise<RunResult> {
  const args = [...before, ...s.barmanOptions, s.store.destinationPath, s.serverName, ...extra];
  return runToCompletion(tool, args, {
    registry,
    timeoutMs: BARMAN_TIMEOUT_MS,
    env: { ...inheritedEnv([]), ...s.env },
    ...(signal ? { signal } : {}),
  });
}

/** The last line barman printed on stderr (its error), or the exit status. */
export function barmanError(tool: string, r: RunResult): string {
  const line = r.stderr.trim().split('\n').filter((l) => l.trim() !== '').at(-1);
  return `${tool} exited with ${r.exitCode ?? r.signal ?? 'no status'}${line ? `: ${line.trim()}` : ''}`;
}
