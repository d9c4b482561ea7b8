// reconcile(cluster): one path for every source. Render + write the files (atomic, "changed?"), then, when
// postgres runs, reload and wait until the new hashes are loaded, apply passwords and patch our status fields.
import { describeError } from '../errors.js';
import { child, type Logger } from '../log/logger.js';
import { isoTime } from '../log/iso-time.js';
import type { Pool } from '../db/pool.js';
import { loadedSettings } from '../db/settings.js';
import { authFileErrors } from '../db/auth-file-errors.js';
import { settingsFileErrors } from '../db/settings-file-errors.js';
import type { Cluster } from '../spec/cluster.js';
import type { SecretObject } from '../model/objects.js';
import type { Postmaster } from '../supervisor/postmaster.js';
import { writeConfigFiles, type ConfigFilesContext, type FileErrors } from './config-files.js';
import type { InstanceState } from '../model/instance-state.js';
import { PasswordReconciler } from './passwords.js';
import { applyPassfiles, planPassfiles } from './pgpass-files.js';
import { reloadAndWait } from './reload.js';
import { statusPatch } from './status-patch.js';
import { reconcileTablespaces } from './tablespaces.js';
import { cachedReads } from './cached-reads.js';
import type { SpecSource } from '../source/spec-source.js';

export interface ReconcilerOptions extends ConfigFilesContext {
  state: InstanceState;
  root: Logger;
  /** After a password from a Secret is in force (see PasswordReconciler). */
  onPasswordApplied?: (secret: SecretObject) => Promise<void>;
  /** Where spec.tablespaces' folders are made (tablespaces.ts). */
  tablespacesDir?: string;
  /** Every instance runs on this machine (the embedded default): see tablespaces.ts. */
  sharedMachine?: boolean;
}

/** Serialises reconciles (a watch event during a reload waits its turn) and remembers pending reloads. */
export class Reconciler {
  readonly #o: ReconcilerOptions;
  readonly #log: Logger;
  readonly #passwords: PasswordReconciler;
  #queue: Promise<void> = Promise.resolve();
  #reloadPending = false;
  #cluster: Cluster | undefined;

  constructor(options: ReconcilerOptions) {
    this.#o = options;
    this.#log = child(options.root, 'reconciler');
    this.#passwords = new PasswordReconciler(this.#log, options.onPasswordApplied);
  }

  /** The Cluster last applied. */
  cluster(): Cluster | undefined {
    return this.#cluster;
  }

  /** Writes the files for `cluster`; returns the names of the files that changed. `reads`: this reconcile's Secret reads. */
  async writeFiles(cluster: Cluster, pool?: Pool, reads: SpecSource = cachedReads(this.#o.source)): Promise<string[]> {
    // --- password files: planned before anything is written, so a bad Secret changes no file ---
    const passfiles = await planPassfiles({ cluster, source: reads, controller: this.#o.controller, port: this.#o.port });
    const validateFiles = pool ? async (): Promise<FileErrors> => ({ auth: await authFileErrors(pool), settings: await settingsFileErrors(pool) }) : undefined;
    const result = await writeConfigFiles({ ...this.#o, source: reads, cluster, validateFiles });
    const pass = await applyPassfiles(passfiles);
    for (const file of pass.changed) this.#log.info({ filename: file }, 'Installed password file');
    for (const file of pass.removed) this.#log.info({ filename: file }, 'Removed password file');
    // --- end password files ---
    this.#cluster = cluster;
    this.#o.state.configSha256 = result.configSha256;
    this.#o.state.filesSha256 = result.filesSha256;
    this.#o.state.role = result.role;
    for (const file of result.changedFiles) this.#log.info({ filename: file }, 'Installed configuration file');
    if (result.changedFiles.length) this.#reloadPending = true;
    return result.changedFiles;
  }

  /**
   * The owner's and the superuser's passwords from their Secrets, once per Secret version. Part of applyRunning;
   * also called right after the bootstrap SQL, so the owner can log in before the rest of the start-up.
   */
  async applyPasswords(pool: Pool, reads: SpecSource = cachedReads(this.#o.source)): Promise<void> {
    const cluster = this.#cluster;
    if (cluster) await this.#passwords.reconcile(pool, cluster, reads);
  }

  /** Post-start and post-change work against a running server. */
  async applyRunning(pm: Postmaster, pool: Pool, reads: SpecSource = cachedReads(this.#o.source)): Promise<void> {
    const cluster = this.#cluster;
    if (!cluster) return;
    const state = this.#o.state;
    let loaded = await loadedSettings(pool);
    const expected = { configSha256: state.configSha256, filesSha256: state.filesSha256 };
    // Files written before the postmaster started are already in force: reload only when the server
    // reports other hashes than the ones on disk.
    if (this.#reloadPending && (loaded.configSha256 !== expected.configSha256 || loaded.filesSha256 !== expected.filesSha256)) {
      this.#log.info('Requesting configuration reload');
      loaded = await reloadAndWait(pm, pool, expected);
      state.lastReloadAt = isoTime();
      this.#log.info({ configSha256: loaded.configSha256 }, 'configuration reloaded');
    }
    this.#reloadPending = false;
    state.loadedConfigSha256 = loaded.configSha256;
    if (loaded.pendingRestart && !state.pendingRestart) {
      this.#log.warn({ settings: loaded.pendingRestartSettings }, 'some settings need a postgres restart to take effect');
    }
    state.pendingRestart = loaded.pendingRestart;
    state.pendingRestartSettings = loaded.pendingRestartSettings;
    // A replica is read-only: the primary's passwords reach it through WAL.
    if (state.role === 'primary') await this.applyPasswords(pool, reads);
    // Tablespaces are created on the primary only; a replica gets them through WAL (CNPG reconciler.go).
    const tablespaces = cluster.spec.tablespaces ?? [];
    const tablespacesStatus =
      state.role === 'primary' && tablespaces.length > 0 && this.#o.tablespacesDir !== undefined
        ? await reconcileTablespaces({ pool, spec: tablespaces, tablespacesDir: this.#o.tablespacesDir, log: this.#log, sharedMachine: this.#o.sharedMachine })
        : undefined;
    await this.#o.source.patchStatus({ ...statusPatch(cluster, state), ...(tablespacesStatus ? { tablespacesStatus } : {}) });
  }

  /** Runs `fn` with no reconcile running or starting meanwhile (a former primary rewinds PGDATA in place). */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn);
    this.#queue = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /**
   * Full reconcile of a new Cluster version, queued behind any running one; errors are logged and kept in state.
   * Resolves false when it failed (follow-changes.ts retries it).
   */
  reconcile(cluster: Cluster, running: () => { pm: Postmaster; pool: Pool } | undefined): Promise<boolean> {
    const next = this.#queue.then(async () => {
      try {
        const live = running();
        const reads = cachedReads(this.#o.source);
        await this.writeFiles(cluster, live?.pool, reads);
        if (live) await this.applyRunning(live.pm, live.pool, reads);
        this.#o.state.lastError = undefined;
        return true;
      } catch (err) {
        this.#o.state.lastError = describeError(err);
        this.#log.error({ err: describeError(err) }, 'reconcile failed; the previous configuration stays in force');
        return false;
      }
    });
    this.#queue = next.then(() => undefined);
    return next;
  }
}
