// The embedded default spec source: a Cluster manifest file, a secrets folder and a status file stand in
// for the Kubernetes API. Edits to the manifest or the secrets are noticed by a cheap poll and yielded as a
// new Cluster; an invalid edit is reported and the last good Cluster stays in force.
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { createHash } from 'node:crypto';
import { ManagerError, ManifestError } from '../errors.js';
import { parseClusterManifest } from '../spec/load-manifest.js';
import { readSecretDir, createSecretDir, fingerprintSecretsDir } from './secrets-dir.js';
import { readStatusFile, patchStatusFile } from './status-file.js';
/** The file-backed SpecSource, which can also create Secrets (it stands in for the operator). */
export class FileSpecSource {
    description;
    #options;
    constructor(options) {
        this.#options = options;
        this.description = `file:${options.manifestPath}`;
    }
    async #readManifest() {
        try {
            // eslint-disable-next-line security/detect-non-literal-fs-filename -- the manifest the user named
            return await readFile(this.#options.manifestPath, 'utf8');
        }
        catch (err) {
            const code = err.code ?? 'error';
            throw new ManifestError(this.#options.manifestPath, `cannot read the Cluster manifest (${code})`, { cause: err });
        }
    }
    /** Reads and validates the manifest, with the status file as `.status`. */
    async load() {
        const text = await this.#readManifest();
        const cluster = parseClusterManifest(text, this.#options.manifestPath, { namespace: this.#options.namespace ?? 'default' });
        const status = await readStatusFile(this.#options.statusFile);
        return { ...cluster, status: { ...cluster.status, ...status } };
    }
    async #fingerprint() {
        const manifest = await this.#readManifest().catch(() => '');
        return createHash('sha256')
            .update(manifest)
            .update('\0')
            .update(await fingerprintSecretsDir(this.#options.secretsDir))
            .digest('hex');
    }
    /** Yields the Cluster whenever the manifest or a secret changes (the first version is not yielded). */
    async *watch(signal, onInvalid) {
        let last = await this.#fingerprint();
        const pollMs = this.#options.pollMs ?? 250;
        while (!signal.aborted) {
            try {
                await sleep(pollMs, undefined, { signal });
            }
            catch {
                return;
            }
            const current = await this.#fingerprint();
            if (current === last)
                continue;
            last = current;
            try {
                yield await this.load();
            }
            catch (err) {
                onInvalid(err);
            }
        }
    }
    /** Reads a Secret folder by name. */
    async getSecret(name) {
        return readSecretDir(this.#options.secretsDir, name);
    }
    /** ConfigMaps are not part of the embedded default yet: the monitoring issue adds a folder for them. */
    getConfigMap(name) {
        return Promise.reject(new ManagerError('NOT_IMPLEMENTED', `ConfigMap ${name}: the file source has no ConfigMaps yet`));
    }
    /** Merges a patch into the status file. */
    async patchStatus(patch) {
        await patchStatusFile(this.#options.statusFile, patch);
    }
    /** Creates a Secret folder; never overwrites one. */
    async createSecret(name, data) {
        await createSecretDir(this.#options.secretsDir, name, data);
    }
}
//# sourceMappingURL=file-source.js.map