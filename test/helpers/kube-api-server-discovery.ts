// Discovery documents of the test API server (/version, /api, /api/v1, /apis, /apis/<g>/<v>), enough
// for kubectl and python3-kubernetes to map kinds to resources.
import { RESOURCE_TYPES } from './kube-api-server-store.js';

const AUTHZ = { group: 'authorization.k8s.io', version: 'v1' };

function resourceList(group: string, version: string): Record<string, unknown> {
  const resources: Record<string, unknown>[] = [];
  for (const t of RESOURCE_TYPES.filter((r) => r.group === group && r.version === version)) {
    const singular = t.kind.toLowerCase();
    resources.push({ name: t.resource, singularName: singular, namespaced: t.namespaced, kind: t.kind, verbs: t.verbs });
    if (t.status) resources.push({ name: `${t.resource}/status`, singularName: '', namespaced: t.namespaced, kind: t.kind, verbs: ['get', 'patch', 'update'] });
  }
  if (group === AUTHZ.group) {
    resources.push({ name: 'selfsubjectrulesreviews', singularName: '', namespaced: false, kind: 'SelfSubjectRulesReview', verbs: ['create'] });
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group === '' ? version : `${group}/${version}`, resources };
}

/** The discovery document for `path`, or undefined when it is not a discovery path. */
export function discovery(path: string, port: number): unknown {
  if (path === '/version') {
    return { major: '1', minor: '32', gitVersion: 'v1.32.0-pgim-test', platform: 'linux/amd64' };
  }
  if (path === '/api') {
    return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: `127.0.0.1:${port}` }] };
  }
  if (path === '/api/v1') return resourceList('', 'v1');
  const groups = [...new Set(RESOURCE_TYPES.filter((t) => t.group !== '').map((t) => `${t.group}/${t.version}`)), `${AUTHZ.group}/${AUTHZ.version}`];
  if (path === '/apis') {
    return {
      kind: 'APIGroupList',
      apiVersion: 'v1',
      groups: groups.map((gv) => {
        const [name = '', version = ''] = gv.split('/');
        return { name, versions: [{ groupVersion: gv, version }], preferredVersion: { groupVersion: gv, version } };
      }),
    };
  }
  const m = /^\/apis\/([^/]+)\/([^/]+)$/.exec(path);
  if (m && groups.includes(`${m[1]}/${m[2]}`)) return resourceList(m[1] ?? '', m[2] ?? '');
  return undefined;
}
