// RBAC of the test API server: bearer tokens -> ServiceAccount users, Roles/RoleBindings (and cluster-wide
// ClusterRoles/ClusterRoleBindings) evaluated as kube-apiserver's RBAC authorizer does, with its 403 text.
import { randomBytes } from 'node:crypto';
import { parseAllDocuments } from 'yaml';

export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

/** The authenticated caller: a ServiceAccount, or the admin (system:masters, no RBAC). */
export interface KubeUser {
  username: string;
  admin: boolean;
}

/** What one request asks for, in RBAC terms. */
export interface RequestAttributes {
  verb: string;
  group: string;
  /** Resource with its subresource ("clusters/status"). */
  resource: string;
  namespace: string;
  name?: string;
  /** The name a list/watch is restricted to by fieldSelector=metadata.name=NAME. */
  fieldName?: string;
}

interface Binding {
  namespace?: string;
  roleKind: 'Role' | 'ClusterRole';
  roleName: string;
  subjects: string[];
}

// Every authenticated user may ask what it can do (the system:basic-user ClusterRole).
const BASIC_USER: PolicyRule[] = [
  { apiGroups: ['authorization.k8s.io'], resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'], verbs: ['create'] },
];

function asRules(value: unknown): PolicyRule[] {
  if (!Array.isArray(value)) return [];
  return value.map((r: Record<string, unknown>) => ({
    apiGroups: (r.apiGroups as string[] | undefined) ?? [],
    resources: (r.resources as string[] | undefined) ?? [],
    verbs: (r.verbs as string[] | undefined) ?? [],
    ...(Array.isArray(r.resourceNames) ? { resourceNames: r.resourceNames as string[] } : {}),
  }));
}

/** Does one rule allow the request? (rbac/v1 helpers: VerbMatches, APIGroupMatches, ResourceMatches, ResourceNameMatches). */
export function ruleAllows(rule: PolicyRule, a: RequestAttributes): boolean {
  const any = (list: string[], v: string): boolean => list.includes('*') || list.includes(v);
  if (!any(rule.verbs, a.verb) || !any(rule.apiGroups, a.group) || !any(rule.resources, a.resource)) return false;
  const names = rule.resourceNames ?? [];
  if (names.length === 0) return true;
  // create has no name in the URL, and list/watch only carry one through a metadata.name field selector.
  if (a.verb === 'create') return false;
  const name = a.verb === 'list' || a.verb === 'watch' ? a.fieldName : a.name;
  return name !== undefined && names.includes(name);
}

/** Tokens, Roles and bindings. */
export class KubeRbac {
  readonly #tokens = new Map<string, KubeUser>();
  readonly #roles = new Map<string, PolicyRule[]>();
  readonly #bindings: Binding[] = [];
  readonly adminToken = this.issueAdmin();

  issueAdmin(): string {
    const token = randomBytes(24).toString('hex');
    this.#tokens.set(token, { username: 'kubernetes-admin', admin: true });
    return token;
  }

  /** A new bearer token for system:serviceaccount:NS:NAME. */
  issueToken(namespace: string, serviceAccount: string): string {
    const token = `sa-${randomBytes(24).toString('hex')}`;
    this.#tokens.set(token, { username: `system:serviceaccount:${namespace}:${serviceAccount}`, admin: false });
    return token;
  }

  /** Makes a token invalid (a rotated projected token whose old value expired). */
  revokeToken(token: string): void {
    this.#tokens.delete(token);
  }

  /** The user a bearer token authenticates, or undefined (401). */
  authenticate(token: string | undefined): KubeUser | undefined {
    return token === undefined ? undefined : this.#tokens.get(token);
  }

  /** Loads Role/RoleBinding/ClusterRole/ClusterRoleBinding documents (YAML text or objects); others are ignored. */
  apply(docs: string | Record<string, unknown>[]): void {
    const list = typeof docs === 'string' ? parseAllDocuments(docs).map((d) => d.toJS() as Record<string, unknown>) : docs;
    for (const doc of list) {
      if (!doc) continue;
      const md = (doc.metadata ?? {}) as { name?: string; namespace?: string };
      const name = md.name ?? '';
      if (doc.kind === 'Role') this.#roles.set(`Role/${md.namespace ?? 'default'}/${name}`, asRules(doc.rules));
      if (doc.kind === 'ClusterRole') this.#roles.set(`ClusterRole//${name}`, asRules(doc.rules));
      if (doc.kind === 'RoleBinding' || doc.kind === 'ClusterRoleBinding') {
        const ref = doc.roleRef as { kind: 'Role' | 'ClusterRole'; name: string };
        const subjects = ((doc.subjects ?? []) as { kind: string; name: string; namespace?: string }[]).map((s) =>
          s.kind === 'ServiceAccount' ? `system:serviceaccount:${s.namespace ?? md.namespace ?? 'default'}:${s.name}` : s.name,
        );
        this.#bindings.push({ namespace: doc.kind === 'RoleBinding' ? (md.namespace ?? 'default') : undefined, roleKind: ref.kind, roleName: ref.name, subjects });
      }
    }
  }

  /** Replaces the rules of an existing Role (to drop one rule in a test). */
  setRoleRules(namespace: string, name: string, rules: PolicyRule[]): void {
    this.#roles.set(`Role/${namespace}/${name}`, rules);
  }

  /** Every rule that applies to `username` in `namespace` (cluster-wide bindings included). */
  rulesFor(username: string, namespace: string): PolicyRule[] {
    const rules: PolicyRule[] = [...BASIC_USER];
    for (const b of this.#bindings) {
      if (!b.subjects.includes(username)) continue;
      if (b.namespace !== undefined && b.namespace !== namespace) continue;
      const key = b.roleKind === 'ClusterRole' ? `ClusterRole//${b.roleName}` : `Role/${b.namespace ?? ''}/${b.roleName}`;
      rules.push(...(this.#roles.get(key) ?? []));
    }
    return rules;
  }

  /** Authorizes a request; the admin is always allowed. */
  allows(user: KubeUser, a: RequestAttributes): boolean {
    if (user.admin) return true;
    return this.rulesFor(user.username, a.namespace).some((r) => ruleAllows(r, a));
  }
}

/** kube-apiserver's 403 message (staging/src/k8s.io/apiserver/pkg/endpoints/handlers/responsewriters/errors.go). */
export function forbiddenMessage(user: KubeUser, a: RequestAttributes): string {
  const base = a.resource.split('/')[0] ?? a.resource;
  const qualifiedName = a.group === '' ? base : `${base}.${a.group}`;
  const subject = a.name ? `${qualifiedName} "${a.name}"` : qualifiedName;
  const scope = a.namespace ? ` in the namespace "${a.namespace}"` : ' at the cluster scope';
  return `${subject} is forbidden: User "${user.username}" cannot ${a.verb} resource "${a.resource}" in API group "${a.group}"${scope}`;
}
