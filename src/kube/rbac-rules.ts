// The Role this manager needs, computed from the Cluster (CNPG pkg/specs/roles.go,
// https://github.com/cloudnative-pg/cloudnative-pg/blob/main/pkg/specs/roles.go),
// trimmed to the calls this manager really makes so that every rule is necessary: Secrets and ConfigMaps
// by name (only those the spec references; get, and watch by name to follow changes), our Cluster and its
// status, Backup status, the namespace's Databases and their status, Events, and the primary Lease.
import type { Cluster } from '../spec/cluster.js';
import type { PolicyRule } from './kube-api.js';

export const CNPG_GROUP = 'postgresql.cnpg.io';
export const COORDINATION_GROUP = 'coordination.k8s.io';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function refName(value: unknown): string | undefined {
  return isRecord(value) && typeof value.name === 'string' && value.name !== '' ? value.name : undefined;
}

// Secret names of a barmanObjectStore's s3Credentials / azureCredentials and endpointCA.
function storeSecrets(store: unknown): (string | undefined)[] {
  if (!isRecord(store)) return [];
  const names: (string | undefined)[] = [refName(store.endpointCA)];
  for (const block of [store.s3Credentials, store.azureCredentials]) {
    if (isRecord(block)) for (const value of Object.values(block)) names.push(refName(value));
  }
  return names;
}

/** Secrets the manager reads for this Cluster: deduplicated, empties removed, sorted. */
export function referencedSecrets(cluster: Cluster): string[] {
  const spec = cluster.spec;
  const names = [
    spec.certificates.serverTLSSecret,
    spec.certificates.serverCASecret,
    spec.certificates.clientCASecret,
    spec.certificates.replicationTLSSecret,
    spec.bootstrap.initdb.secretName,
    spec.enableSuperuserAccess ? spec.superuserSecretName : undefined,
    spec.postgresql.ldap?.bindSearchAuth?.bindPassword?.name,
    ...spec.monitoring.customQueriesSecret.map((r) => r.name),
    ...spec.managedRoles.map((r) => r.passwordSecret),
  ];
  const rawSpec = isRecord(cluster.raw.spec) ? cluster.raw.spec : {};
  const external = Array.isArray(rawSpec.externalClusters) ? rawSpec.externalClusters : [];
  for (const server of external) {
    if (!isRecord(server)) continue;
    for (const field of ['password', 'sslCert', 'sslKey', 'sslRootCert']) names.push(refName(server[field])); // eslint-disable-line security/detect-object-injection -- fixed field list
    names.push(...storeSecrets(server.barmanObjectStore));
  }
  // The object store's credentials: archiving, backups and recovery read them (CNPG pkg/specs/roles.go backupSecrets).
  names.push(...storeSecrets(isRecord(rawSpec.backup) ? rawSpec.backup.barmanObjectStore : undefined));
  return [...new Set(names.filter((n): n is string => typeof n === 'string' && n !== ''))].sort();
}

/** ConfigMaps the manager reads for this Cluster (custom queries). */
export function referencedConfigMaps(cluster: Cluster): string[] {
  return [...new Set(cluster.spec.monitoring.customQueriesConfigMap.map((r) => r.name).filter((n) => n !== ''))].sort();
}

/** The Role rules for `cluster`, in the order of CNPG's Role (pkg/specs/roles.go). */
export function requiredRules(cluster: Cluster): PolicyRule[] {
  const rules: PolicyRule[] = [];
  const configMaps = referencedConfigMaps(cluster);
  if (configMaps.length > 0) rules.push({ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'watch'], resourceNames: configMaps });
  const secrets = referencedSecrets(cluster);
  if (secrets.length > 0) rules.push({ apiGroups: [''], resources: ['secrets'], verbs: ['get', 'watch'], resourceNames: secrets });
  rules.push(
    { apiGroups: [CNPG_GROUP], resources: ['clusters'], verbs: ['get', 'list', 'watch'], resourceNames: [cluster.name] },
    { apiGroups: [CNPG_GROUP], resources: ['clusters/status'], verbs: ['patch'], resourceNames: [cluster.name] },
    { apiGroups: [CNPG_GROUP], resources: ['backups'], verbs: ['get'] },
    { apiGroups: [CNPG_GROUP], resources: ['backups/status'], verbs: ['patch'] },
    // Declarative Databases (kube/database-source.ts): the namespace's list and watch, and their status.
    { apiGroups: [CNPG_GROUP], resources: ['databases'], verbs: ['list', 'watch'] },
    { apiGroups: [CNPG_GROUP], resources: ['databases/status'], verbs: ['patch'] },
    { apiGroups: [''], resources: ['events'], verbs: ['create'] },
    // The primary Lease, named after the Cluster (src/kube/primary-lease.ts): read and renewed by name. Its
    // create cannot be limited to that name: RBAC authorizes a create before the body (and so the name) is
    // known, so a create rule with resourceNames never matches (kubernetes.io/docs/reference/access-authn-authz/rbac/#referring-to-resources).
    { apiGroups: [COORDINATION_GROUP], resources: ['leases'], verbs: ['get', 'update'], resourceNames: [cluster.name] },
    { apiGroups: [COORDINATION_GROUP], resources: ['leases'], verbs: ['create'] },
  );
  if (cluster.spec.serviceAccountName) {
    // A shared ServiceAccount is checked at start-up, never created or modified.
    rules.push({ apiGroups: [''], resources: ['serviceaccounts'], verbs: ['get'], resourceNames: [cluster.spec.serviceAccountName] });
  }
  return rules;
}

/** Does `rule` grant `verb` on group/resource for the object `name` (a rule with resourceNames needs one)? */
function grants(rule: PolicyRule, group: string, resource: string, verb: string, name?: string): boolean {
  const has = (list: string[], v: string): boolean => list.includes('*') || list.includes(v);
  if (!has(rule.verbs, verb) || !has(rule.apiGroups, group) || !has(rule.resources, resource)) return false;
  const names = rule.resourceNames ?? [];
  return names.length === 0 || (name !== undefined && names.includes(name));
}

/**
 * What `held` grants beyond `needed`, as readable lines ("list secrets (any name)"). Checked for the
 * sensitive resources and verbs only: a complete set difference over wildcards is not computable.
 */
export function excessPermissions(held: PolicyRule[], needed: PolicyRule[]): string[] {
  const probes: { group: string; resource: string; verbs: string[] }[] = [
    { group: '', resource: 'secrets', verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] },
    { group: '', resource: 'configmaps', verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] },
    { group: CNPG_GROUP, resource: 'clusters', verbs: ['get', 'list', 'watch', 'update', 'patch', 'delete', 'create'] },
    { group: CNPG_GROUP, resource: 'clusters/status', verbs: ['patch', 'update'] },
    { group: COORDINATION_GROUP, resource: 'leases', verbs: ['get', 'list', 'watch', 'update', 'patch', 'delete'] },
    { group: '', resource: 'pods', verbs: ['get', 'list', 'create', 'delete', 'update', 'patch'] },
    { group: '', resource: 'pods/exec', verbs: ['create'] },
    { group: 'rbac.authorization.k8s.io', resource: 'roles', verbs: ['create', 'update', 'patch', 'bind', 'escalate'] },
  ];
  // A name no real object has: a rule that grants it grants "any name".
  const anyName = '\u0000any';
  const out: string[] = [];
  for (const p of probes) {
    for (const verb of p.verbs) {
      const heldAny = held.some((r) => grants(r, p.group, p.resource, verb, anyName));
      const neededAny = needed.some((r) => grants(r, p.group, p.resource, verb, anyName));
      if (heldAny && !neededAny) {
        out.push(`${verb} ${p.resource}${p.group ? `.${p.group}` : ''} (any name)`);
        continue;
      }
      const names = held.filter((r) => (r.resourceNames ?? []).length > 0 && grants(r, p.group, p.resource, verb, r.resourceNames?.[0])).flatMap((r) => r.resourceNames ?? []);
      const extra = names.filter((n) => !needed.some((r) => grants(r, p.group, p.resource, verb, n)));
      if (extra.length > 0) out.push(`${verb} ${p.resource}${p.group ? `.${p.group}` : ''} ${[...new Set(extra)].join(', ')}`);
    }
  }
  return out;
}
