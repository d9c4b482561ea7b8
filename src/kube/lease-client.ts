// LeaseApi over client-node's CoordinationV1Api (coordination.k8s.io/v1), built by kube-client.ts with its
// timeout middleware and error mapping. Trap: client-node has no serialiser for MicroTime and passes the
// value through, so the times are sent as RFC3339Micro text (lease-api.ts microTime) and arrive as text.
import type * as K8s from '@kubernetes/client-node';
import { isStatus } from './kube-api.js';
import type { LeaseApi, LeaseRecord } from './lease-api.js';

export interface LeaseCallContext {
  namespace: string;
  /** The per-call options (timeout middleware). */
  options: () => K8s.ConfigurationOptions;
  /** Runs one call, mapping a failure to KubeApiError named `call`. */
  call: <T>(call: string, run: () => Promise<T>) => Promise<T>;
}

function text(value: unknown): string {
  if (typeof value === 'string') return value;
  return value instanceof Date ? value.toISOString() : '';
}

function toRecord(lease: K8s.V1Lease): LeaseRecord {
  const spec = lease.spec ?? {};
  return {
    holderIdentity: spec.holderIdentity ?? '',
    leaseDurationSeconds: spec.leaseDurationSeconds ?? 0,
    acquireTime: text(spec.acquireTime),
    renewTime: text(spec.renewTime),
    leaseTransitions: spec.leaseTransitions ?? 0,
    resourceVersion: lease.metadata?.resourceVersion ?? '',
  };
}

function toLease(name: string, namespace: string, r: Omit<LeaseRecord, 'resourceVersion'> & { resourceVersion?: string }): K8s.V1Lease {
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name, namespace, ...(r.resourceVersion ? { resourceVersion: r.resourceVersion } : {}) },
    spec: {
      holderIdentity: r.holderIdentity,
      leaseDurationSeconds: r.leaseDurationSeconds,
      // Text in RFC3339Micro: see the trap above (the generated type says Date).
      acquireTime: r.acquireTime as unknown as Date,
      renewTime: r.renewTime as unknown as Date,
      leaseTransitions: r.leaseTransitions,
    },
  };
}

/** The Lease calls of one namespace. */
export function leaseCalls(api: K8s.CoordinationV1Api, c: LeaseCallContext): LeaseApi {
  const { namespace } = c;
  return {
    async get(name) {
      try {
        return await c.call(`get leases.coordination.k8s.io "${name}"`, async () => toRecord(await api.readNamespacedLease({ name, namespace }, c.options())));
      } catch (err) {
        if (isStatus(err, 404)) return undefined;
        throw err;
      }
    },
    create(name, record) {
      return c.call(`create leases.coordination.k8s.io "${name}"`, async () => toRecord(await api.createNamespacedLease({ namespace, body: toLease(name, namespace, record) }, c.options())));
    },
    replace(name, record) {
      return c.call(`update leases.coordination.k8s.io "${name}"`, async () => toRecord(await api.replaceNamespacedLease({ name, namespace, body: toLease(name, namespace, record) }, c.options())));
    },
  };
}
