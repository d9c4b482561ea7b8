// The primary Lease (coordination.k8s.io/v1) as the manager sees it: a small record over plain values, so
// the decisions (lease-decision.ts) and their tests never see @kubernetes/client-node types
// (lease-client.ts implements LeaseApi). CNPG: internal/cmd/manager/instance/run/lease/runnable.go.

/** The spec fields of a Lease the manager reads and writes, plus its resourceVersion. */
export interface LeaseRecord {
  /** '' = released (a clean hand-over: the next candidate takes it at once). */
  holderIdentity: string;
  leaseDurationSeconds: number;
  /** RFC 3339 with microseconds, as the API stores MicroTime (kept as text: only compared for equality). */
  acquireTime: string;
  renewTime: string;
  leaseTransitions: number;
  /** The version read; a replace sends it back, so a write that lost a race gets 409. */
  resourceVersion: string;
}

/** The three calls on one namespace's Leases. */
export interface LeaseApi {
  /** undefined when the Lease does not exist (404). */
  get(name: string): Promise<LeaseRecord | undefined>;
  /** Creates the Lease; 409 AlreadyExists when another instance created it first. */
  create(name: string, record: Omit<LeaseRecord, 'resourceVersion'>): Promise<LeaseRecord>;
  /** PUT with record.resourceVersion: 409 Conflict when the Lease changed since it was read. */
  replace(name: string, record: LeaseRecord): Promise<LeaseRecord>;
}

/**
 * A MicroTime as kube-apiserver parses it (metav1.RFC3339Micro, exactly six fraction digits): a JS Date
 * serialised by client-node has three ("...05.123Z") and the API server refuses it with 400.
 */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
