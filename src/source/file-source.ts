// The embedded default spec source: a Cluster manifest file, a secrets folder and a status file stand in
// for the Kubernetes API. Edits to the manifest or the secrets are noticed through inotify (a slow poll
// behind it as the safety net) and yielded as a new Cluster; an invalid edit is reported and the last good
// Cluster stays in force.
import { readFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { basename, dirname } from 'node:path';
import { ManifestError } from '../errors.js';
import { parseClusterManifest } from '../spec/load-manifest.js';
import type { Cluster } from '../spec/cluster.js';
import { FolderWatch, type FolderFilter } from './folder-watch.js';
import { readSecretDir, createSecretDir, fingerprintSecretsDir, updateSecretKeys } from './secrets-dir.js';
import { mergeStatusPatch, parseStatusText, readStatusText, writeStatusText } from './status-file.js';
import type { ConfigMapObject, SecretObject, SecretWriter, SpecSource, StatusPatch } from './spec-source.js';

export interface FileSourceOptions {
  manifestPath: string;
  secretsDir: string;
  /** One folder per ConfigMap, one file per key (like the secrets folder); none when unset. */
  configmapsDir?: string;
  statusFile: string;
  namespace?: string;
  /** How often the files are checked when inotify signalled nothing (default DEFAULT_POLL_MS). */
  pollMs?: number;
}

/**
 * The safety poll: inotify wakes the check at once after an edit, so the poll only matters where inotify
 * is silent. Every 5 s, as Kubernetes mode re-reads the referenced Secrets; every 250 ms, as before inotify,
 * it cost an idle manager ~2 % of a core (reading every file).
 */
export const DEFAULT_POLL_MS = 5_000;

/** The file-backed SpecSource, which can also create Secrets (it stands in for the operator). */
/** A read's text or its error, kept for later: the error only matters if the Cluster is built from it. */
function settle<T>(read: Promise<T>): Promise<{ text: T } | { error: unknown }> {
  return read.then(
    (text) => ({ text }),
    (error: unknown) => ({ error }),
  );
}

/** How many of our own status patches are remembered (a poll normally sees one or two). */
const OWN_PATCHES_KEPT = 16;

/** The manifest and status file as read together (or why they could not be read). */
interface Texts {
  manifest: { text: string } | { error: unknown };
  status: { text: string | undefined } | { error: unknown };
}

export class FileSpecSource implements SpecSource, SecretWriter {
  readonly description: string;
  readonly #options: FileSourceOptions;
  /** What load() last returned was made from, so watch() starts from what the caller has. */
  #loaded: Texts | undefined;
  /** Our own recent status patches: the text each one wrote, mapped to the text it was applied to. */
  readonly #ownPatches = new Map<string, string | undefined>();

  constructor(options: FileSourceOptions) {
    this.#options = options;
    this.description = `file:${options.manifestPath}`;
  }

  async #readManifest(): Promise<string> {
    try {
      // eslint-disable-next-line security/detect-non-literal-fs-filename -- the manifest the user named
      return await readFile(this.#options.manifestPath, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'error';
      throw new ManifestError(this.#options.manifestPath, `cannot read the Cluster manifest (${code})`, { cause: err });
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
  async #fingerprint(texts: Texts): Promise<{ spec: string; status: string | undefined; folders: string[] }> {
    const secrets = await fingerprintSecretsDir(this.#options.secretsDir);
    const configmaps = this.#options.configmapsDir ? await fingerprintSecretsDir(this.#options.configmapsDir) : { fingerprint: 'none', folders: [] };
    const spec = createHash('sha256')
      .update('text' in texts.manifest ? texts.manifest.text : '')
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
    return cluster;
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
      while (!signal.aborted) {
        await folders.next(pollMs, signal);
        if (signal.aborted) return;
        const texts = await this.#read();
        const now = await this.#fingerprint(texts);
        folders.set(this.#watchedFolders(now.folders));
        const statusChanged = now.status !== last.status && !this.#onlyOwnPatches(last.status, now.status);
        const changed = now.spec !== last.spec || statusChanged;
        last = now;
        if (!changed) continue;
        let cluster: Cluster;
        try {
          cluster = this.#clusterFrom(texts);
        } catch (err) {
          onInvalid(err);
          continue;
        }
        yield cluster;
      }
    } finally {
      folders.close();
    }
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
    if (!this.#options.configmapsDir) return undefined;
    const folder = await readSecretDir(this.#options.configmapsDir, name);
    if (!folder) return undefined;
    const data = Object.fromEntries(Object.entries(folder.data).map(([key, bytes]) => [key, bytes.toString('utf8')]));
    return { name, data, resourceVersion: folder.resourceVersion };
  }

  /** Merges a patch into the status file. */
  async patchStatus(patch: StatusPatch): Promise<void> {
    const { before, after } = await mergeStatusPatch(this.#options.statusFile, patch);
    // Remembered before the write: a poll may read the new text the moment it is renamed into place.
    this.#ownPatches.delete(after);
    this.#ownPatches.set(after, before);
    for (const oldest of this.#ownPatches.keys()) {
      if (this.#ownPatches.size <= OWN_PATCHES_KEPT) break;
      this.#ownPatches.delete(oldest);
    }
    await writeStatusText(this.#options.statusFile, after);
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
