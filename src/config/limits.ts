// Size limits of the files the embedded default reads in place of Kubernetes objects. The API server refuses
// an object over ~1.5 MiB (etcd's default request limit, --max-request-bytes 1.5 MiB:
// https://etcd.io/docs/v3.5/dev-guide/limit/) and a Secret or ConfigMap over 1 MiB
// (https://kubernetes.io/docs/concepts/configuration/secret/#restriction-data-size), so nothing a real
// cluster accepts is refused here; a 50 MB manifest, read and parsed whole, froze the manager (probes
// included) for ~8 s and took 2.1 GB.

/** The largest Cluster manifest read (and the status file, which stands in for the same object's status). */
export const MANIFEST_MAX_BYTES = 1.5 * 1024 * 1024;

/** The largest Secret or ConfigMap value file read (one key of one Secret or ConfigMap). */
export const CONFIG_VALUE_MAX_BYTES = 1024 * 1024;

/** A byte count as a user reads it in an error message ("1.5 MiB"). */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${Number((bytes / (1024 * 1024)).toFixed(1))} MiB`;
  if (bytes >= 1024) return `${Number((bytes / 1024).toFixed(1))} KiB`;
  return `${bytes} bytes`;
}
