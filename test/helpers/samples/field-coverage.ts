// Which of a sample's spec fields some check covers. Every leaf field of the sample (arrays of objects as
// `[]`, map keys of parameters and tablespaces kept) is matched by prefix against the checks' `covers` lists
// and against the fields an instance cannot put in force on its own (Kubernetes objects the operator makes);
// what is left is reported "not checked", never passed silently.

/** Fields that only the operator or the kubelet acts on: nothing of them is visible inside one instance. */
export const OPERATOR_SIDE: readonly string[] = [
  'spec.instances', // one instance is started: the first (the primary, or a replica cluster's designated primary)
  'spec.storage', 'spec.walStorage.size', 'spec.walStorage.storageClass', 'spec.walStorage.pvcTemplate',
  'spec.tablespaces[].storage', 'spec.tablespaces.*.storage', // volume sizes and classes (PVCs)
  'spec.resources', 'spec.affinity', 'spec.topologySpreadConstraints', 'spec.priorityClassName', 'spec.schedulerName',
  'spec.primaryUpdateStrategy', 'spec.primaryUpdateMethod', 'spec.managed.services', 'spec.podSecurityContext',
  'spec.securityContext', 'spec.nodeMaintenanceWindow', 'spec.projectedVolumeTemplate', 'spec.description',
  'spec.imagePullPolicy', 'spec.imagePullSecrets', 'spec.enablePDB', 'spec.inheritedMetadata', 'spec.serviceAccountTemplate',
  'spec.ephemeralVolumeSource', 'spec.ephemeralVolumesSizeLimit', 'spec.podSelectorRefs',
  'spec.externalClusters[].name',
  // The snapshot classes, labels and annotations of the VolumeSnapshot objects the operator creates.
  'spec.backup.volumeSnapshot.className', 'spec.backup.volumeSnapshot.walClassName', 'spec.backup.volumeSnapshot.tablespaceClassName',
  'spec.backup.volumeSnapshot.labels', 'spec.backup.volumeSnapshot.annotations', 'spec.backup.volumeSnapshot.snapshotOwnerReference',
];

/** Every leaf path of `spec` ("spec.a.b", arrays of objects as "[]", arrays of scalars as one leaf). */
export function leafFields(spec: unknown): string[] {
  const out = new Set<string>();
  const walk = (v: unknown, path: string): void => {
    if (Array.isArray(v)) {
      if (v.length > 0 && v.every((x) => typeof x === 'object' && x !== null)) for (const x of v) walk(x, `${path}[]`);
      else out.add(path);
    } else if (typeof v === 'object' && v !== null) {
      const entries = Object.entries(v);
      if (entries.length === 0) out.add(path);
      for (const [k, x] of entries) walk(x, `${path}.${k}`);
    } else {
      out.add(path);
    }
  };
  walk(spec, 'spec');
  return [...out].sort();
}

function matches(field: string, prefix: string): boolean {
  if (prefix.includes('*')) {
    // eslint-disable-next-line security/detect-non-literal-regexp -- built from our own constant prefixes, metacharacters escaped
    const re = new RegExp(`^${prefix.replace(/[.[\]]/g, (c) => `\\${c}`).replace(/\*/g, '[^.]+')}(\\.|\\[|$)`);
    return re.test(field);
  }
  return field === prefix || field.startsWith(`${prefix}.`) || field.startsWith(`${prefix}[`);
}

/** The fields of `spec` that neither a check in `covered` nor OPERATOR_SIDE accounts for. */
export function uncheckedFields(spec: unknown, covered: readonly string[]): string[] {
  return leafFields(spec).filter((f) => !covered.some((p) => matches(f, p)) && !OPERATOR_SIDE.some((p) => matches(f, p)));
}

/** True when `spec` has a field under one of `prefixes`. */
export function usesAny(spec: unknown, prefixes: readonly string[]): boolean {
  const fields = leafFields(spec);
  return fields.some((f) => prefixes.some((p) => matches(f, p)));
}
