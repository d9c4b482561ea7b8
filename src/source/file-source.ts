// The embedded default spec source: a Cluster manifest file, a secrets folder and a status file stand in
// for the Kubernetes API. Edits to the manifest or the secrets are noticed by a cheap poll and yielded as a
// new Cluster; an invalid edit is reported and the last good Cluster stays in force.
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { createHash } from 'node:crypto';
import { ManifestError } from '../errors.js';
import { parseClusterManifest } from '../spec/load-manifest.js';
import type { Cluster } from '../spec/cluster.js';
import { readSecretDir, createSecretDir, fingerprintSecretsDir } from './secrets-dir.js';
import { readStatusFile, patchStatusFile } from './status-file.js';
import type { ConfigMapObject, SecretObject, SecretWriter, SpecSource, StatusPatch } from './spec-source.js';

export interface FileSourceOptions {
  manifestPath: string;
  secretsDir: string;
  /** One folder per ConfigMap, one file per key (like the secrets folder); none when unset. */
  configmapsDir?: string;
  statusFile: string;
  namespace?: string;
  /** How often the files are checked for edits. */
  pollMs?: number;
}

/** The file-backed SpecSource, which can also create Secrets (it stands in for the operator). */
export class FileSpecSource implements SpecSource, SecretWriter {
  readonly description: string;
  readonly #options: FileSourceOptions;

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

  /** Reads and validates the manifest, with the status file as `.status`. */
  async load(): Promise<Cluster> {
    const text = await this.#readManifest();
    const cluster = parseClusterManifest(text, this.#options.manifestPath, { namespace: this.#options.namespace ?? 'default' });
    const status = await readStatusFile(this.#options.statusFile);
    return { ...cluster, status: { ...cluster.status, ...status } };
  }

  async #fingerprint(): Promise<string> {
    const manifest = await this.#readManifest().catch(() => '');
    // The status is part of the Cluster (the operator writes operatorCertificateFingerprint there). Our own
    // status patches converge: the reconcile they trigger writes the same patch again, which changes nothing.
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- the configured status file
    const status = await readFile(this.#options.statusFile).catch(() => '');
    return createHash('sha256')
      .update(manifest)
      .update('\0')
      .update(await fingerprintSecretsDir(this.#options.secretsDir))
      .update('\0')
      .update(this.#options.configmapsDir ? await fingerprintSecretsDir(this.#options.configmapsDir) : 'none')
      .update('\0')
      .update(status)
      .digest('hex');
  }

  /** Yields the Cluster whenever the manifest or a secret changes (the first version is not yielded). */
  async *watch(signal: AbortSignal, onInvalid: (err: unknown) => void): AsyncIterable<Cluster> {
    let last = await this.#fingerprint();
    const pollMs = this.#options.pollMs ?? 250;
    while (!signal.aborted) {
      try {
        await sleep(pollMs, undefined, { signal });
      } catch {
        return;
      }
      const current = await this.#fingerprint();
      if (current === last) continue;
      last = current;
      try {
        yield await this.load();
      } catch (err) {
        onInvalid(err);
      }
    }
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
    await patchStatusFile(this.#options.statusFile, patch);
  }

  /** Creates a Secret folder; never overwrites one. */
  async createSecret(name: string, data: Record<string, Buffer>): Promise<void> {
    await createSecretDir(this.#options.secretsDir, name, data);
  }
}
