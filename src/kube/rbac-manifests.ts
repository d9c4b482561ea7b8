// RBAC as code: the ServiceAccount, Role and RoleBinding of a Cluster as YAML documents. With a shared
// ServiceAccount (spec.serviceAccountName) only the Role and RoleBinding are printed: that account is
// the user's, never created or modified by us.
import { stringify } from 'yaml';
import { ManifestError } from '../errors.js';
import type { Cluster } from '../spec/cluster.js';
import { requiredRules } from './rbac-rules.js';

const MANAGED_BY = { 'app.kubernetes.io/managed-by': 'pg-instance-manager', 'cnpg.io/cluster': '' };

/** The ServiceAccount the pod runs as (the cluster name unless spec.serviceAccountName is set). */
export function serviceAccountName(cluster: Cluster): string {
  return cluster.spec.serviceAccountName ?? cluster.name;
}

/** The RBAC objects for `cluster`, in apply order. */
export function rbacObjects(cluster: Cluster): Record<string, unknown>[] {
  const rawSpec = (cluster.raw.spec ?? {}) as Record<string, unknown>;
  if (cluster.spec.serviceAccountName !== undefined && rawSpec.serviceAccountTemplate !== undefined) {
    throw new ManifestError('spec.serviceAccountName', 'cannot be used together with spec.serviceAccountTemplate');
  }
  const labels = { ...MANAGED_BY, 'cnpg.io/cluster': cluster.name };
  const metadata = { name: cluster.name, namespace: cluster.namespace, labels };
  const sa = serviceAccountName(cluster);
  const objects: Record<string, unknown>[] = [];
  if (cluster.spec.serviceAccountName === undefined) {
    const template = (rawSpec.serviceAccountTemplate ?? {}) as { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> } };
    objects.push({
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: {
        ...metadata,
        labels: { ...template.metadata?.labels, ...labels },
        ...(template.metadata?.annotations ? { annotations: template.metadata.annotations } : {}),
      },
    });
  }
  objects.push(
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata, rules: requiredRules(cluster) },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata,
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: cluster.name },
      subjects: [{ kind: 'ServiceAccount', name: sa, namespace: cluster.namespace }],
    },
  );
  return objects;
}

/** The objects as one multi-document YAML text. */
export function renderRbacYaml(cluster: Cluster): string {
  return rbacObjects(cluster)
    .map((o) => stringify(o, { lineWidth: 0 }))
    .join('---\n');
}
