// The Kubernetes spec source: our Cluster from the API (start-up gate, then list+watch), the Secrets and
// ConfigMaps it references read by name and followed by name-restricted watches (no polling: an idle
// instance opens each watch once per watch timeout), and status written as merge patches.
// It feeds the same reconcile path as the embedded default through the SpecSource interface.
import { ManagerError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { InstanceState } from '../model/instance-state.js';
import type { Cluster } from '../spec/cluster.js';
import { clusterFromObject } from '../spec/load-manifest.js';
import type { SpecSource } from '../source/spec-source.js';
import type { ConfigMapObject, SecretObject, StatusPatch } from '../model/objects.js';
import { watchCluster } from './cluster-watch.js';
import { ReferencedWatches } from './referenced-watches.js';
import { EventRecorder, transitions } from './events.js';
import { isStatus, metaString, type KubeApi, type KubeObject } from './kube-api.js';
import { checkPermissions } from './permissions-check.js';
import { reportExcessPermissions } from './permissions-condition.js';
import { waitForCluster } from './startup-gate.js';
import { StatusWriter } from './status-writer.js';
import { readyCondition } from './ready-condition.js';
import { patchBackupStatus, type BackupStatusPatch } from './backup-status.js';
import { PrimaryLease } from './primary-lease.js';
import { KubeDatabaseSource } from './database-source.js';

export interface KubeSourceOptions {
  /** Builds the API client (lazily: client-node is loaded on first use). */
  api: () => Promise<KubeApi>;
  clusterName: string;
  log: Logger;
  startupTimeoutMs: number;
}

// Status fields this pod writes: changes to them alone must not trigger a reconcile (it would loop).
// Conditions too: ours (Ready, excess permissions) and the operator's inform people, never the reconcile.
// targetPrimary is the operator's: a change of it is a change.
const OWN_STATUS = ['currentPrimary', 'currentPrimaryTimestamp', 'phase', 'phaseReason', 'conditions', 'managedRolesStatus'];

function changeKey(obj: KubeObject): string {
  const status = { ...((obj.status ?? {}) as Record<string, unknown>) };
  for (const k of OWN_STATUS) delete status[k]; // eslint-disable-line security/detect-object-injection -- fixed list
  const md = (obj.metadata ?? {}) as Record<string, unknown>;
  return JSON.stringify({ spec: obj.spec, status, labels: md.labels, annotations: md.annotations });
}

/** SpecSource backed by the Kubernetes API. */
export class KubeSpecSource implements SpecSource {
  description: string;
  readonly #o: KubeSourceOptions;
  #api: KubeApi | undefined;
  #latest: KubeObject | undefined;
  #writer: StatusWriter | undefined;
  #events: EventRecorder | undefined;
  #state: InstanceState | undefined;
  #seen: { postmasterPid?: number; lastReloadAt?: string; certVersion?: string } = {};
  #certVersion: string | undefined;
  /** spec.certificates.serverTLSSecret of the Cluster last seen (its version pairs with CertificateRotated). */
  #serverSecret: string | undefined;
  /** The version of each Secret/ConfigMap ("secrets/name") last read, '-' for absent: the watches compare with it. */
  readonly #readVersions = new Map<string, string>();
  #lease: PrimaryLease | undefined;

  constructor(options: KubeSourceOptions) {
    this.#o = options;
    this.description = `kube:${options.clusterName}`;
  }

  async #client(): Promise<KubeApi> {
    if (this.#api) return this.#api;
    const api = await this.#o.api();
    this.#api = api;
    this.#writer = new StatusWriter({
      send: (patch) => api.patchClusterStatus(this.#o.clusterName, patch),
      read: () => api.getCluster(this.#o.clusterName),
      known: () => this.#latest,
      log: this.#o.log,
    });
    this.#events = new EventRecorder({ api, clusterName: this.#o.clusterName, log: this.#o.log, uid: () => (this.#latest ? metaString(this.#latest, 'uid') : undefined) });
    return api;
  }

  #toCluster(obj: KubeObject, api: KubeApi): Cluster {
    return clusterFromObject(obj, { namespace: api.namespace });
  }

  /** Follows the instance state so status patches can be paired with events for its transitions. */
  observe(state: InstanceState): void {
    this.#state = state;
  }

  /** First call: the start-up gate and the permission checks; later calls: one GET. */
  async load(): Promise<Cluster> {
    const first = this.#api === undefined;
    const api = await this.#client();
    const obj = first ? await waitForCluster({ api, name: this.#o.clusterName, log: this.#o.log, timeoutMs: this.#o.startupTimeoutMs }) : await api.getCluster(this.#o.clusterName);
    this.#latest = obj;
    const cluster = this.#toCluster(obj, api);
    this.#serverSecret = cluster.spec.certificates.serverTLSSecret;
    this.description = `kube:${api.namespace}/${cluster.name}`;
    if (first) await this.#firstChecks(api, cluster);
    return cluster;
  }

  async #firstChecks(api: KubeApi, cluster: Cluster): Promise<void> {
    const shared = cluster.spec.serviceAccountName;
    if (shared !== undefined && !(await api.serviceAccountExists(shared))) {
      throw new ManagerError('KUBE', `spec.serviceAccountName: ServiceAccount "${shared}" does not exist in namespace "${api.namespace}" (it is shared: the manager never creates it)`);
    }
    const excess = await checkPermissions(api, cluster, this.#o.log);
    if (excess !== undefined && excess.length > 0) {
      void this.#events?.record('Warning', 'ExcessPermissions', `the ServiceAccount holds more than the instance manager needs: ${excess.join('; ')}`);
    }
    if (excess !== undefined && this.#writer) await reportExcessPermissions(this.#writer, this.#latest, excess, this.#o.log);
    this.#certVersion = (await api.getSecret(cluster.spec.certificates.serverTLSSecret).catch(() => undefined))?.resourceVersion;
    this.#seen.certVersion = this.#certVersion;
  }

  /** Yields the Cluster when its spec (or operator status), or a referenced Secret/ConfigMap, changes. */
  async *watch(signal: AbortSignal, onInvalid: (err: unknown) => void): AsyncIterable<Cluster> {
    const api = await this.#client();
    const inner = new AbortController();
    const both = AbortSignal.any([signal, inner.signal]);
    let dirty = false;
    let wake: (() => void) | undefined;
    const notify = (): void => {
      dirty = true;
      wake?.();
    };
    const refs = new ReferencedWatches({ api, log: this.#o.log, readVersion: (key) => this.#readVersions.get(key), onChange: notify }, both);
    const base = this.#latest;
    let lastKey = base ? changeKey(base) : '';
    try {
      if (base) refs.follow(this.#toCluster(base, api));
    } catch {
      // an invalid start-up Cluster cannot happen (load() validated it); nothing to follow yet
    }
    let lastRefs = refs.fingerprint();
    const watching = watchCluster(
      {
        api,
        name: this.#o.clusterName,
        log: this.#o.log,
        onObject: (obj) => {
          this.#latest = obj;
          if (changeKey(obj) !== lastKey) notify();
        },
      },
      both,
    );
    try {
      while (!signal.aborted) {
        if (!dirty) {
          // The abort listener goes with the wait: one left behind per wake would pile up.
          await new Promise<void>((resolve) => {
            const done = (): void => {
              signal.removeEventListener('abort', done);
              resolve();
            };
            wake = done;
            signal.addEventListener('abort', done, { once: true });
          });
        }
        wake = undefined;
        dirty = false;
        const obj = this.#latest;
        if (signal.aborted || !obj) continue;
        let cluster: Cluster;
        try {
          cluster = this.#toCluster(obj, api);
        } catch (err) {
          if (changeKey(obj) !== lastKey) onInvalid(err);
          lastKey = changeKey(obj);
          continue;
        }
        this.#serverSecret = cluster.spec.certificates.serverTLSSecret;
        refs.follow(cluster);
        const now = refs.fingerprint();
        if (changeKey(obj) === lastKey && now === lastRefs) continue;
        lastKey = changeKey(obj);
        lastRefs = now;
        yield cluster;
      }
    } finally {
      inner.abort();
      this.#writer?.stop();
      await Promise.allSettled([watching, refs.done()]);
    }
  }

  /** Can the API server be reached now? One uncached GET of our Cluster, capped at `timeoutMs` (liveness). */
  async probeApi(timeoutMs: number): Promise<boolean> {
    try {
      await (await this.#client()).getCluster(this.#o.clusterName, { timeoutMs });
      return true;
    } catch {
      return false;
    }
  }

  /** The last Cluster seen from the API (start-up, watch), validated; undefined if none or invalid. */
  cachedCluster(): Cluster | undefined {
    const obj = this.#latest;
    if (!obj || !this.#api) return undefined;
    try {
      return this.#toCluster(obj, this.#api);
    } catch {
      return undefined;
    }
  }

  /** Reads a Secret by name (404 -> undefined); its version is what the watch compares with. */
  async getSecret(name: string): Promise<SecretObject | undefined> {
    const secret = await (await this.#client()).getSecret(name);
    this.#readVersions.set(`secrets/${name}`, secret?.resourceVersion ?? '-');
    if (secret && name === this.#serverSecret) this.#certVersion = secret.resourceVersion;
    return secret;
  }

  /** Reads a ConfigMap by name (404 -> undefined). */
  async getConfigMap(name: string): Promise<ConfigMapObject | undefined> {
    const map = await (await this.#client()).getConfigMap(name);
    this.#readVersions.set(`configmaps/${name}`, map?.resourceVersion ?? '-');
    return map;
  }

  /** Merge-patches our status fields; a phase change carries the Ready condition and the resourceVersion precondition. */
  async patchStatus(patch: StatusPatch): Promise<void> {
    await this.#client();
    const phased = 'phase' in patch;
    // Conditions in a patch are upserted by type into the list as read (a merge patch would replace it whole).
    const { conditions, ...fields } = patch;
    const extra = Array.isArray(conditions) ? (conditions as Parameters<StatusWriter['patch']>[2]) : [];
    await this.#writer?.patch(fields, phased, [...(phased ? [readyCondition(patch.phase)] : []), ...(extra ?? [])]);
    const state = this.#state;
    if (!state) return;
    const now = { postmasterPid: state.postmasterPid, lastReloadAt: state.lastReloadAt, certVersion: this.#certVersion };
    for (const t of transitions(this.#seen, now)) await this.#events?.record('Normal', t.reason, t.message);
    this.#seen = now;
  }

  /** Records a Normal event about the Cluster (a promotion: src/replication/promotion.ts). */
  async recordEvent(reason: string, message: string): Promise<void> {
    await this.#client();
    await this.#events?.record('Normal', reason, message);
  }

  /** The Cluster's primary Lease, held under `identity` (this pod's name); one per source. */
  primaryLease(identity: string): PrimaryLease {
    this.#lease ??= new PrimaryLease({ leases: async () => (await this.#client()).leases, name: this.#o.clusterName, identity, log: this.#o.log });
    return this.#lease;
  }

  /** The namespace's Database objects, through this source's client. */
  databaseSource(): KubeDatabaseSource {
    return new KubeDatabaseSource({ api: () => this.#client(), log: this.#o.log });
  }

  /**
   * Reads a Backup object (404 -> undefined): spec.bootstrap.recovery.backup names one, and its status says
   * where the backup is (CNPG pkg/management/postgres/restore.go loadBackup reads it the same way).
   */
  async getBackup(name: string): Promise<KubeObject | undefined> {
    try {
      return await (await this.#client()).getBackup(name);
    } catch (err) {
      if (isStatus(err, 404)) return undefined;
      throw err;
    }
  }

  /** Merge-patches a Backup's status (phase, startedAt/stoppedAt, error, ...), retried on conflicts. */
  async patchBackupStatus(name: string, patch: BackupStatusPatch): Promise<void> {
    await patchBackupStatus(await this.#client(), name, patch);
  }
}
