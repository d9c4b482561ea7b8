// One spec.externalClusters entry as the replica-cluster and clone code reads it (CNPG api/v1 ExternalCluster):
// connectionParameters, the TLS Secret keys, whether a password Secret is set, and its barmanObjectStore as
// written. Validation of the entries is validate-replica.ts's (validateExternalClusters).
import type { Cluster, SecretKeyRef } from './cluster.js';
import { Fields } from './fields.js';

export interface ExternalClusterSpec {
  name: string;
  /** Its index in spec.externalClusters, for messages that name the field. */
  index: number;
  connectionParameters?: Record<string, string>;
  sslCert?: SecretKeyRef;
  sslKey?: SecretKeyRef;
  sslRootCert?: SecretKeyRef;
  password?: SecretKeyRef;
  /** The barmanObjectStore mapping as written (barman/object-store.ts reads it). */
  barmanObjectStore?: unknown;
}

function ref(f: Fields, key: string): SecretKeyRef | undefined {
  const r = f.child(key);
  return r === undefined ? undefined : { name: r.requiredString('name'), key: r.requiredString('key') };
}

/** The entry named `name`, or undefined. */
export function externalCluster(cluster: Cluster, name: string): ExternalClusterSpec | undefined {
  const list = Fields.of(cluster.raw.spec ?? {}, 'spec').objectList('externalClusters') ?? [];
  const index = list.findIndex((e) => e.string('name') === name);
  const f = list.at(index);
  if (index < 0 || f === undefined) return undefined;
  const out: ExternalClusterSpec = { name, index };
  const params = f.child('connectionParameters');
  if (params) out.connectionParameters = Object.fromEntries(params.entries().map(([k, v]) => [k, String(v)]));
  for (const key of ['sslCert', 'sslKey', 'sslRootCert', 'password'] as const) {
    const value = ref(f, key);
    if (value !== undefined) out[key] = value; // eslint-disable-line security/detect-object-injection -- fixed names
  }
  if (f.has('barmanObjectStore')) out.barmanObjectStore = f.get('barmanObjectStore');
  return out;
}
