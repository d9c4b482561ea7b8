// SelfSubjectRulesReview of the test API server: the rules that apply to the caller in a namespace.
import type { KubeRbac, KubeUser } from './kube-api-server-rbac.js';

/** Answers a SelfSubjectRulesReview body ({spec:{namespace}}) for `user`. */
export function selfSubjectRulesReview(rbac: KubeRbac, user: KubeUser, body: unknown): Record<string, unknown> {
  const namespace = (body as { spec?: { namespace?: string } } | undefined)?.spec?.namespace ?? 'default';
  const rules = user.admin ? [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }] : rbac.rulesFor(user.username, namespace);
  return {
    kind: 'SelfSubjectRulesReview',
    apiVersion: 'authorization.k8s.io/v1',
    metadata: {},
    spec: { namespace },
    status: { resourceRules: rules, nonResourceRules: [], incomplete: false },
  };
}
