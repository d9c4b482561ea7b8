// The names of Secrets (and ConfigMaps) and the keys inside them that a Cluster references. The manager
// turns them into file paths (a mounted Secret is a folder, each key a file), so anything that is not a
// valid Kubernetes name or key, such as `..` or a `/`, is refused at load, naming the field.
import { ManifestError } from '../errors.js';
import type { ClusterSpec } from './cluster.js';

// DNS-1123 subdomain, the rule the API server applies to Secret and ConfigMap names: dot-separated labels.
const LABEL = /^[a-z0-9-]+$/;
// Secret/ConfigMap data keys (k8s.io/apimachinery IsConfigMapKey): `.` and `..` are refused separately.
const DATA_KEY = /^[-._a-zA-Z0-9]+$/;

/** Throws unless `value` is a valid Secret or ConfigMap name. */
export function checkObjectName(value: string, path: string): void {
  const labelOk = (label: string): boolean => LABEL.test(label) && !label.startsWith('-') && !label.endsWith('-');
  if (value.length > 253 || !value.split('.').every(labelOk)) {
    throw new ManifestError(path, `must be a Kubernetes object name (lower-case letters, digits, "-" and "."), got ${JSON.stringify(value)}`);
  }
}

/** Throws unless `value` is a valid key of a Secret or ConfigMap. */
export function checkDataKey(value: string, path: string): void {
  if (value.length > 253 || !DATA_KEY.test(value) || value === '.' || value === '..') {
    throw new ManifestError(path, `must be a Secret key (letters, digits, "-", "_" and "."; not "." or ".."), got ${JSON.stringify(value)}`);
  }
}

/** Checks every Secret and ConfigMap reference of a validated spec. */
export function checkSecretReferences(spec: ClusterSpec): void {
  checkObjectName(spec.superuserSecretName, 'spec.superuserSecret.name');
  checkObjectName(spec.bootstrap.initdb.secretName, 'spec.bootstrap.initdb.secret.name');
  for (const field of ['serverTLSSecret', 'serverCASecret', 'clientCASecret', 'replicationTLSSecret'] as const) {
    // eslint-disable-next-line security/detect-object-injection -- field is one of four literal names
    checkObjectName(spec.certificates[field], `spec.certificates.${field}`);
  }
  const bind = spec.postgresql.ldap?.bindSearchAuth?.bindPassword;
  if (bind !== undefined) {
    checkObjectName(bind.name, 'spec.postgresql.ldap.bindSearchAuth.bindPassword.name');
    checkDataKey(bind.key, 'spec.postgresql.ldap.bindSearchAuth.bindPassword.key');
  }
  for (const list of ['customQueriesSecret', 'customQueriesConfigMap'] as const) {
    // eslint-disable-next-line security/detect-object-injection -- list is one of two literal names
    for (const [i, ref] of spec.monitoring[list].entries()) {
      checkObjectName(ref.name, `spec.monitoring.${list}[${i}].name`);
      checkDataKey(ref.key, `spec.monitoring.${list}[${i}].key`);
    }
  }
}
