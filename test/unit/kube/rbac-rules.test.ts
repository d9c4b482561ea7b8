import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseAllDocuments } from 'yaml';
import { parseClusterManifest } from '../../../src/spec/load-manifest.js';
import { excessPermissions, referencedSecrets, requiredRules } from '../../../src/kube/rbac-rules.js';
import { renderRbacYaml } from '../../../src/kube/rbac-manifests.js';

function cluster(spec: string): ReturnType<typeof parseClusterManifest> {
  const text = ['apiVersion: postgresql.cnpg.io/v1', 'kind: Cluster', 'metadata:', '  name: c1', '  namespace: ns1', 'spec:', '  instances: 1', ...spec.split('\n').filter(Boolean).map((l) => `  ${l}`)].join('\n');
  return parseClusterManifest(text, 'test', { namespace: 'default' });
}

describe('requiredRules', () => {
  it('names exactly the Secrets the spec references, deduplicated and sorted', () => {
    const c = cluster(
      [
        'enableSuperuserAccess: true',
        'monitoring:',
        '  customQueriesSecret: [{name: q-secret, key: queries}]',
        '  customQueriesConfigMap: [{name: q-map, key: queries}, {name: q-map, key: more}]',
        'externalClusters:',
        '  - name: origin',
        '    connectionParameters: {host: origin-rw}',
        '    password: {name: origin-pass, key: password}',
        '    sslRootCert: {name: origin-ca, key: ca.crt}',
      ].join('\n'),
    );
    assert.deepEqual(referencedSecrets(c), ['c1-app', 'c1-ca', 'c1-replication', 'c1-server', 'c1-superuser', 'origin-ca', 'origin-pass', 'q-secret']);
    const rules = requiredRules(c);
    assert.deepEqual(rules[0], { apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'watch'], resourceNames: ['q-map'] });
    assert.deepEqual(rules.find((r) => r.resources[0] === 'clusters'), { apiGroups: ['postgresql.cnpg.io'], resources: ['clusters'], verbs: ['get', 'list', 'watch'], resourceNames: ['c1'] });
  });

  it('leaves the superuser secret out when superuser access is off, and configmaps out when none are referenced', () => {
    const rules = requiredRules(cluster(''));
    assert.ok(!rules.some((r) => r.resources.includes('configmaps')));
    assert.ok(!rules.find((r) => r.resources.includes('secrets'))?.resourceNames?.includes('c1-superuser'));
  });
});

describe('renderRbacYaml', () => {
  it('prints ServiceAccount, Role and RoleBinding named after the cluster', () => {
    const docs = parseAllDocuments(renderRbacYaml(cluster(''))).map((d) => d.toJS() as { kind: string; metadata: { name: string; namespace: string } });
    assert.deepEqual(docs.map((d) => d.kind), ['ServiceAccount', 'Role', 'RoleBinding']);
    assert.ok(docs.every((d) => d.metadata.name === 'c1' && d.metadata.namespace === 'ns1'));
  });

  it('with a shared ServiceAccount prints only Role and RoleBinding, bound to it', () => {
    const docs = parseAllDocuments(renderRbacYaml(cluster('serviceAccountName: shared'))).map((d) => d.toJS() as { kind: string; subjects?: { name: string }[] });
    assert.deepEqual(docs.map((d) => d.kind), ['Role', 'RoleBinding']);
    assert.equal(docs[1]?.subjects?.[0]?.name, 'shared');
  });

  it('refuses serviceAccountName together with serviceAccountTemplate', () => {
    assert.throws(() => renderRbacYaml(cluster('serviceAccountName: shared\nserviceAccountTemplate:\n  metadata:\n    labels: {a: b}')), /serviceAccountTemplate/);
  });
});

describe('excessPermissions', () => {
  const needed = requiredRules(cluster(''));
  it('is empty for the printed Role', () => {
    assert.deepEqual(excessPermissions(needed, needed), []);
  });
  it('reports cluster-wide secrets access and extra names', () => {
    const held = [...needed, { apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list'] }, { apiGroups: [''], resources: ['configmaps'], verbs: ['get'], resourceNames: ['other'] }];
    const excess = excessPermissions(held, needed);
    assert.ok(excess.includes('get secrets (any name)'));
    assert.ok(excess.includes('list secrets (any name)'));
    assert.ok(excess.includes('get configmaps other'));
  });
  it('reports a wildcard Role', () => {
    assert.ok(excessPermissions([{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }], needed).includes('delete secrets (any name)'));
  });
});
