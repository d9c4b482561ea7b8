// One interface for where the Cluster comes from and where status goes: a file source (the embedded
// default) now, the Kubernetes API later. The reconcile path only ever sees this interface.
import type { Cluster } from '../spec/cluster.js';
import type { InstanceState } from '../model/instance-state.js';
import type { ConfigMapObject, SecretObject, StatusPatch } from '../model/objects.js';

export interface SpecSource {
  /** Human-readable origin, for logs ("file:/path/cluster.yaml", "kube:ns/name"). */
  readonly description: string;
  /** Loads and validates the Cluster once; throws ManifestError naming the bad field. */
  load(): Promise<Cluster>;
  /**
   * Yields the Cluster every time it, or a Secret or ConfigMap it references, changes, until the
   * signal aborts. Invalid versions are reported through `onInvalid` and skipped: the last good one
   * stays in force.
   */
  watch(signal: AbortSignal, onInvalid: (err: unknown) => void): AsyncIterable<Cluster>;
  /** Reads a Secret by name; undefined when it does not exist. */
  getSecret(name: string): Promise<SecretObject | undefined>;
  /** Reads a ConfigMap by name; undefined when it does not exist. */
  getConfigMap(name: string): Promise<ConfigMapObject | undefined>;
  /** Applies a merge patch to the Cluster's status. */
  patchStatus(patch: StatusPatch): Promise<void>;
  /** Optional: follows the instance state (the Kubernetes source pairs status patches with events). */
  observe?(state: InstanceState): void;
}
