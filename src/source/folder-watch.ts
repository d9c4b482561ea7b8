// Wakes the embedded default's change check when a watched folder changes (inotify through fs.watch), so
// an edit is seen at once while the poll behind it can be slow: an idle manager reads its files seldom.
// The poll stays as the safety net, for file systems where inotify says nothing (NFS, some FUSE mounts)
// and for a folder that could not be watched (missing now, created later: re-watched at the next check).
import { watch, type FSWatcher } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** Which file names of a folder matter: these names, or every entry. */
export type FolderFilter = readonly string[] | 'all';

const filterKey = (filter: FolderFilter): string => (filter === 'all' ? '*' : [...filter].sort().join('/'));

/** After the first event, how long to let a burst of writes (temp file, rename, chmod) settle. */
export const SETTLE_MS = 20;

export class FolderWatch {
  readonly #watchers = new Map<string, { watcher: FSWatcher; key: string }>();
  #dirty = false;
  #wake: (() => void) | undefined;

  /** Watches exactly these folders (closing the others); a folder that cannot be watched is left to the poll. */
  set(folders: ReadonlyMap<string, FolderFilter>): void {
    for (const [folder, entry] of this.#watchers) {
      const wanted = folders.get(folder);
      if (wanted !== undefined && filterKey(wanted) === entry.key) continue;
      entry.watcher.close();
      this.#watchers.delete(folder);
    }
    for (const [folder, filter] of folders) {
      if (this.#watchers.has(folder)) continue;
      const names = new Set(filter === 'all' ? [] : filter);
      let watcher: FSWatcher;
      try {
        // eslint-disable-next-line security/detect-non-literal-fs-filename -- folders of the configured manifest, status file, secrets and ConfigMaps
        watcher = watch(folder, { persistent: false }, (_event, name) => {
          // Kubelet-style mounts swap a `..data` symlink; a name-less event is taken as a change.
          if (filter === 'all' || name === null || names.has(name) || name.startsWith('..')) this.#changed();
        });
      } catch {
        continue;
      }
      watcher.on('error', () => {
        // The folder went away (or inotify failed): forget it, the next set() watches it again if it is back.
        watcher.close();
        if (this.#watchers.get(folder)?.watcher === watcher) this.#watchers.delete(folder);
        this.#changed();
      });
      this.#watchers.set(folder, { watcher, key: filterKey(filter) });
    }
  }

  /**
   * Resolves when something changed since the previous call returned (after SETTLE_MS), after `pollMs`
   * without a change, or on abort. Changes during the caller's check are kept for the next call.
   */
  async next(pollMs: number, signal: AbortSignal): Promise<void> {
    if (!this.#dirty) await this.#wait(pollMs, signal);
    if (this.#dirty && !signal.aborted) await sleep(SETTLE_MS, undefined, { signal }).catch(() => undefined);
    this.#dirty = false;
  }

  /**
   * Resolves once `ms` have passed without a change in the watched folders (each change starts the wait
   * again), or on abort. Where inotify is silent this is a plain wait, and the caller's second read decides.
   */
  async quiet(ms: number, signal: AbortSignal): Promise<void> {
    do this.#dirty = false;
    while ((await this.#wait(ms, signal)) && !signal.aborted);
    this.#dirty = false;
  }

  /** Waits up to `ms` for a change; true when a change (or close()) ended the wait. */
  async #wait(ms: number, signal: AbortSignal): Promise<boolean> {
    if (signal.aborted) return false;
    // Timer and abort listener both go when the wait ends, however it ends: nothing piles up per wait.
    return new Promise<boolean>((resolve) => {
      const done = (woken: boolean): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', aborted);
        this.#wake = undefined;
        resolve(woken);
      };
      const aborted = (): void => done(false);
      const timer = setTimeout(done, ms, false);
      this.#wake = () => done(true);
      signal.addEventListener('abort', aborted, { once: true });
    });
  }

  /** The folders being watched now. */
  folders(): string[] {
    return [...this.#watchers.keys()];
  }

  close(): void {
    for (const { watcher } of this.#watchers.values()) watcher.close();
    this.#watchers.clear();
    this.#wake?.();
  }

  #changed(): void {
    this.#dirty = true;
    this.#wake?.();
  }
}
