// The embedded default spec source: a Cluster manifest file, a secrets folder and a status file stand in
// for the Kubernetes API. Edits to the manifest or the secrets are noticed through inotify (a slow poll
// behind it as the safety net) and yielded as a new Cluster; an invalid edit is reported and the last good
// Cluster stays in force.
import { createHash } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { MANIFEST_MAX_BYTES } from '../config/limits.js';
import { ManagerError, ManifestError } from '../errors.js';
import { parseClusterManifest } from '../spec/load-manifest.js';
import type { Cluster } from '../spec/cluster.js';
import { FolderWatch, type FolderFilter } from './folder-watch.js';
import { FileReadError, decodeUtf8, readBounded } from './read-bounded.js';
import { readSecretDir, createSecretDir, fingerprintSecretsDir, updateSecretKeys } from './secrets-dir.js';
import { isWholeStatusText, mergeStatusPatch, parseStatusText, readStatusText, writeStatusText } from './status-file.js';
import type { SpecSource } from './spec-source.js';
import type { ConfigMapObject, SecretObject, SecretWriter, StatusPatch } from '../model/objects.js';
import { localOperatorPatch } from './local-operator.js';
import { withStatusLock } from './status-lock.js';

export interface FileSourceOptions {
  manifestPath: string;
  secretsDir: string;
  /** One folder per ConfigMap, one file per key (like the secrets folder); none when unset. */
  configmapsDir?: string;
  statusFile: string;
  namespace?: string;
  /** This pod's name (default <cluster>-1): the target primary the file source elects, as the operator would. */
  podName?: string;
  /** How often the files are checked when inotify signalled nothing (default DEFAULT_POLL_MS). */
  pollMs?: number;
  /** How long a change must stay quiet before it is applied (default QUIET_MS). */
  quietMs?: number;
}

/**
 * The safety poll: inotify wakes the check at once after an edit, so the poll only matters where inotify
 * is silent. Every 5 s (local files, no API server to spare); every 250 ms, as before inotify,
 * it cost an idle manager ~2 % of a core (reading every file).
 */
export const DEFAULT_POLL_MS = 5_000;

/**
 * How long the files must stay unchanged before a changed version is applied: a writer that rewrites the
 * manifest in place (an editor's save truncates it first; `generator > cluster.yaml` writes it in pieces)
 * shows readers an empty or partial file, often valid YAML, a pg_hba.conf without its last line. inotify's
 * IN_CLOSE_WRITE would say when the writer is done, but Node's fs.watch does not report it, so a change is
 * applied once no change event arrived for this long and a second read finds the same text (the check
 * where inotify is silent). A writer that pauses longer than this between two writes is seen twice.
 */
export const QUIET_MS = 300;

/** The file-backed SpecSource, which can also create Secrets (it stands in for the operator). */
/** A read's text or its error, kept for later: the error only matters if the Cluster is built from it. */
function settle<T>(read: Promise<T>): Promise<{ text: T } | { error: unknown }> {
  return read.then(
    (text) => ({ text }),
    (error: unknown) => ({ error }),
  );
}

/** A ConfigMap value as text: ConfigMap data is UTF-8 (binary goes in binaryData, which this source has not). */
function configMapText(bytes: Buffer, path: string): string {
  try {
    return decodeUtf8(bytes, path);
  } catch (err) {
    throw new ManagerError('INVALID_SECRET', `ConfigMap value file ${(err as Error).message}`, { cause: err });
  }
}

/** How many of our own status patches are remembered (a poll normally sees one or two). */
const OWN_PATCHES_KEPT = 16;

/** The manifest and status file as read together (or why they could not be read). */
interface Texts {
  manifest: { text: string } | { error: unknown };
  status: { text: string | undefined } | { error: unknown };
}

/** What a version of the files is recognised by (see #fingerprint), and the folders read for it. */
interface Fingerprint {
  spec: string;
  status: string | undefined;
  folders: string[];
}

export class FileSpecSource implements SpecSource, SecretWriter {
  readonly description: string;
  readonly #options: FileSourceOptions;
  /** What load() last returned was made from, so watch() starts from what the caller has. */
  #loaded: Texts | undefined;
  /** Our own recent status patches: the text each one wrote, mapped to the text it was applied to. */
  readonly #ownPatches = new Map<string, string | undefined>();
  /** The operator's election not yet in the status file (see #playOperator). */
  #election: StatusPatch | undefined;

  constructor(options: FileSourceOptions) {
    this.#options = options;
    this.description = `file:${options.manifestPath}`;
  }

  async #readManifest(): Promise<string> {
    const path = this.#options.manifestPath;
    try {
      return decodeUtf8(await readBounded(path, MANIFEST_MAX_BYTES), path);
    } catch (err) {
      if (err instanceof FileReadError) throw new ManifestError(path, `the Cluster manifest ${err.reason}`, { cause: err });
      throw err;
    }
  }

  // One read of the manifest and the status file, used both for the fingerprint and for the Cluster: read
  // twice, an edit landing in between would be applied under the fingerprint of the text before it, and an
  // edit back to that text would then go unnoticed. (Secrets are read later by the reconcile, so an edit
  // there is seen at the next poll at the latest.)
  async #read(): Promise<Texts> {
    const [manifest, status] = await Promise.all([settle(this.#readManifest()), settle(readStatusText(this.#options.statusFile))]);
    return { manifest, status };
  }

  /**
   * The fingerprint of what the Cluster is built from, in two parts: the spec (manifest, secrets, ConfigMaps)
   * and the status file's text. The status is part of the Cluster (the operator writes
   * operatorCertificateFingerprint there), but a status text reached through our own patches alone is no
   * change (see #onlyOwnPatches).
   */
  async #fingerprint(texts: Texts): Promise<Fingerprint> {
    const secrets = await fingerprintSecretsDir(this.#options.secretsDir);
    const configmaps = this.#options.configmapsDir ? await fingerprintSecretsDir(this.#options.configmapsDir) : { fingerprint: 'none', folders: [] };
    const spec = createHash('sha256')
      // A refusal counts by its reason, so a different refusal (missing, then too large) is reported again.
      .update('text' in texts.manifest ? texts.manifest.text : `\0${String(texts.manifest.error)}`)
      .update('\0')
      .update(secrets.fingerprint)
      .update('\0')
      .update(configmaps.fingerprint)
      .digest('hex');
    return { spec, status: 'text' in texts.status ? texts.status.text : undefined, folders: [...secrets.folders, ...configmaps.folders] };
  }

  /** The folders whose changes wake the check: the manifest's and the status file's (those files only), the secret and ConfigMap folders. */
  #watchedFolders(secretFolders: readonly string[]): Map<string, FolderFilter> {
    const folders = new Map<string, FolderFilter>();
    for (const file of [this.#options.manifestPath, this.#options.statusFile]) {
      const current = folders.get(dirname(file));
      if (current !== 'all') folders.set(dirname(file), [...(current ?? []), basename(file)]);
    }
    for (const folder of secretFolders) folders.set(folder, 'all');
    return folders;
  }

  #clusterFrom(texts: Texts): Cluster {
    if ('error' in texts.manifest) throw texts.manifest.error;
    const cluster = parseClusterManifest(texts.manifest.text, this.#options.manifestPath, { namespace: this.#options.namespace ?? 'default' });
    if ('error' in texts.status) throw texts.status.error;
    const status = parseStatusText(texts.status.text, this.#options.statusFile);
    return { ...cluster, status: { ...cluster.status, ...status } };
  }

  /** Reads and validates the manifest, with the status file as `.status`. */
  async load(): Promise<Cluster> {
    const texts = await this.#read();
    const cluster = this.#clusterFrom(texts);
    this.#loaded = texts;
    return this.#playOperator(cluster);
  }

  /**
   * Standing in for the operator: elects the target primary of a one-instance Cluster that has none. The
   * election goes to the status file with the next status patch (written as the run user, not at load time,
   * which may still run as root).
   */
  #playOperator(cluster: Cluster): Cluster {
    const patch = localOperatorPatch(cluster, this.#options.podName);
    if (!patch) return cluster;
    this.#election = patch;
    return { ...cluster, status: { ...cluster.status, ...patch } };
  }

  /**
   * Yields the Cluster whenever the manifest, the status file or a secret changes, starting from the version
   * load() last returned (not yielded again).
   */
  async *watch(signal: AbortSignal, onInvalid: (err: unknown) => void): AsyncIterable<Cluster> {
    const folders = new FolderWatch();
    try {
      // Watched before the first read: an edit landing during that read wakes the first check.
      folders.set(this.#watchedFolders([this.#options.secretsDir, ...(this.#options.configmapsDir ? [this.#options.configmapsDir] : [])]));
      let last = await this.#fingerprint(this.#loaded ?? (await this.#read()));
      folders.set(this.#watchedFolders(last.folders));
      const pollMs = this.#options.pollMs ?? DEFAULT_POLL_MS;
      const quietMs = this.#options.quietMs ?? QUIET_MS;
      while (!signal.aborted) {
        await folders.next(pollMs, signal);
        if (signal.aborted) return;
        let texts = await this.#read();
        let now = await this.#fingerprint(texts);
        folders.set(this.#watchedFolders(now.folders));
        // A change is applied once it is complete: no further change for quietMs and the same text read again.
        // Until then nothing is reported, so an empty or truncated file of a save in progress is no error.
        while (this.#differs(last, now) && !signal.aborted) {
          // Only the status file changed, and it is whole: its writers replace it by a rename (writeStatusText),
          // so it is applied at once; a failover waits on each targetPrimary/currentPrimary step.
          if (now.spec === last.spec && isWholeStatusText(now.status)) break;
          await folders.quiet(quietMs, signal);
          if (signal.aborted) return;
          const again = await this.#read();
          const settled = await this.#fingerprint(again);
          folders.set(this.#watchedFolders(settled.folders));
          const same = settled.spec === now.spec && settled.status === now.status;
          texts = again;
          now = settled;
          if (same) break;
        }
        const changed = this.#differs(last, now);
        last = now;
        if (!changed) continue;
        let cluster: Cluster;
        try {
          cluster = this.#clusterFrom(texts);
        } catch (err) {
          onInvalid(err);
          continue;
        }
        yield this.#playOperator(cluster);
      }
    } finally {
      folders.close();
    }
  }

  /** Whether `now` is a new version after `last`: another spec, or a status reached by more than our own patches. */
  #differs(last: Fingerprint, now: Fingerprint): boolean {
    return now.spec !== last.spec || (now.status !== last.status && !this.#onlyOwnPatches(last.status, now.status));
  }

  /**
   * Whether the status file went from `from` to `to` through our own patches alone, each applied to the text
   * the one before it wrote: then nothing changed that we did not already have. An edit by anyone else on
   * the way (even one that a patch of ours was merged over) breaks the chain, and the new text is a change.
   */
  #onlyOwnPatches(from: string | undefined, to: string | undefined): boolean {
    let text = to;
    for (let step = 0; step <= OWN_PATCHES_KEPT; step++) {
      if (text === from) return true;
      if (text === undefined || !this.#ownPatches.has(text)) return false;
      text = this.#ownPatches.get(text);
    }
    return false;
  }

  /** Reads a Secret folder by name. */
  async getSecret(name: string): Promise<SecretObject | undefined> {
    return readSecretDir(this.#options.secretsDir, name);
  }

  /** Reads a ConfigMap folder by name (same layout as a Secret folder; values are UTF-8 text). */
  async getConfigMap(name: string): Promise<ConfigMapObject | undefined> {
    const root = this.#options.configmapsDir;
    if (!root) return undefined;
    const folder = await readSecretDir(root, name);
    if (!folder) return undefined;
    const data = Object.fromEntries(Object.entries(folder.data).map(([key, bytes]) => [key, configMapText(bytes, join(root, name, key))]));
    return { name, data, resourceVersion: folder.resourceVersion };
  }

  /** Merges a patch into the status file (with the operator's election, when one is pending). */
  async patchStatus(patch: StatusPatch): Promise<void> {
    const election = this.#election;
    // Under the lock: other managers of the same Cluster (local-cluster) patch the same file.
    await withStatusLock(this.#options.statusFile, async () => {
      const { before, after } = await mergeStatusPatch(this.#options.statusFile, { ...election, ...patch });
      // Remembered before the write: a poll may read the new text the moment it is renamed into place.
      this.#ownPatches.delete(after);
      this.#ownPatches.set(after, before);
      for (const oldest of this.#ownPatches.keys()) {
        if (this.#ownPatches.size <= OWN_PATCHES_KEPT) break;
        this.#ownPatches.delete(oldest);
      }
      await writeStatusText(this.#options.statusFile, after);
    });
    if (this.#election === election) this.#election = undefined;
  }

  /** Creates a Secret folder; never overwrites one. */
  async createSecret(name: string, data: Record<string, Buffer>): Promise<void> {
    await createSecretDir(this.#options.secretsDir, name, data);
  }

  /** Rewrites some keys of an existing Secret folder. */
  async updateSecretKeys(name: string, data: Record<string, Buffer>): Promise<void> {
    await updateSecretKeys(this.#options.secretsDir, name, data);
  }
}
