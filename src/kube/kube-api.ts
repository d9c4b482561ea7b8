// The calls the manager makes to the Kubernetes API, as a small interface over plain JSON so the source,
// the status writer and the tests never see @kubernetes/client-node types (kube-client.ts implements it).
import { ManagerError } from '../errors.js';
import type { ConfigMapObject, SecretObject } from '../model/objects.js';
import type { LeaseApi } from './lease-api.js';

/** A Kubernetes object as decoded JSON. */
export type KubeObject = Record<string, unknown>;

/** One RBAC policy rule (rbac.authorization.k8s.io/v1 PolicyRule). */
export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

/** The core/v1 objects the manager follows by name. */
export type NamedResource = 'secrets' | 'configmaps';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

/** A core/v1 Event about one of our objects. */
export interface EventSpec {
  kind: 'Cluster' | 'Backup';
  apiVersion: string;
  name: string;
  uid?: string;
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

export interface KubeApi {
  readonly namespace: string;
  /** `timeoutMs` overrides the client's per-call timeout (the liveness probe caps its GET at 500 ms). */
  getCluster(name: string, options?: { timeoutMs?: number }): Promise<KubeObject>;
  /** Lists our Cluster only (fieldSelector metadata.name), with the list's resourceVersion. */
  listCluster(name: string): Promise<{ items: KubeObject[]; resourceVersion: string }>;
  /** Watches our Cluster from `resourceVersion`; resolves when the stream ends, rejects on a failed start. */
  watchCluster(name: string, resourceVersion: string, onEvent: (type: WatchEventType, object: KubeObject) => void, signal: AbortSignal): Promise<void>;
  /**
   * Watches one Secret or ConfigMap by name (fieldSelector metadata.name, which a Role restricted to that name
   * allows), from `resourceVersion` ('' : the current object as ADDED first); resolves when the stream ends.
   */
  watchNamed(resource: NamedResource, name: string, resourceVersion: string, onEvent: (type: WatchEventType, object: KubeObject) => void, signal: AbortSignal): Promise<void>;
  /** JSON merge patch of `.status` (the content-type trap handled). */
  patchClusterStatus(name: string, patch: KubeObject): Promise<KubeObject>;
  getBackup(name: string): Promise<KubeObject>;
  /** Lists the namespace's Database objects (postgresql.cnpg.io/v1), with the list's resourceVersion. */
  listDatabases(): Promise<{ items: KubeObject[]; resourceVersion: string }>;
  /** Watches the namespace's Databases from `resourceVersion`; resolves when the stream ends. */
  watchDatabases(resourceVersion: string, onEvent: (type: WatchEventType, object: KubeObject) => void, signal: AbortSignal): Promise<void>;
  /** JSON merge patch of a Database's `.status`. */
  patchDatabaseStatus(name: string, patch: KubeObject): Promise<KubeObject>;
  patchBackupStatus(name: string, patch: KubeObject): Promise<KubeObject>;
  getSecret(name: string): Promise<SecretObject | undefined>;
  /** True when the ServiceAccount exists (a shared spec.serviceAccountName is checked, never created). */
  serviceAccountExists(name: string): Promise<boolean>;
  getConfigMap(name: string): Promise<ConfigMapObject | undefined>;
  createEvent(event: EventSpec): Promise<void>;
  /** The rules this ServiceAccount holds in `namespace` (SelfSubjectRulesReview). */
  rulesReview(namespace: string): Promise<PolicyRule[]>;
  /** The namespace's Leases (the primary Lease, src/kube/primary-lease.ts). */
  readonly leases: LeaseApi;
}

/** A failed API call: HTTP status, the API's reason and message, and which call it was. */
export class KubeApiError extends ManagerError {
  readonly status: number;
  readonly call: string;

  constructor(call: string, status: number, detail: string, options: { cause?: unknown } = {}) {
    // 0: no HTTP answer (connection refused, timeout): always worth retrying.
    const retryable = status === 0 || status === 409 || status === 429 || status >= 500;
    super('KUBE', `${call}: ${status === 0 ? 'no answer from the API server' : `HTTP ${status}`}: ${detail}`, { cause: options.cause, retryable });
    this.name = 'KubeApiError';
    this.status = status;
    this.call = call;
  }
}

/** True for a KubeApiError with one of `statuses`. */
export function isStatus(err: unknown, ...statuses: number[]): err is KubeApiError {
  return err instanceof KubeApiError && statuses.includes(err.status);
}

/** Metadata field of an object, as a string. */
export function metaString(obj: KubeObject, field: 'name' | 'namespace' | 'resourceVersion' | 'uid'): string | undefined {
  const md = obj.metadata;
  if (typeof md !== 'object' || md === null) return undefined;
  // eslint-disable-next-line security/detect-object-injection -- field is a literal union
  const value = (md as Record<string, unknown>)[field];
  return typeof value === 'string' ? value : undefined;
}
