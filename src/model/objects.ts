// The Kubernetes objects the manager reads (Secrets, ConfigMaps) and the status patches it writes, as every
// folder sees them, whichever source (the embedded default's files or the API server) they come from.

/** A Secret as the instance manager sees it: key -> bytes, with a version that changes on every edit. */
export interface SecretObject {
  name: string;
  data: Readonly<Record<string, Buffer>>;
  resourceVersion: string;
  annotations: Readonly<Record<string, string>>;
}

/** A ConfigMap: key -> text. */
export interface ConfigMapObject {
  name: string;
  data: Readonly<Record<string, string>>;
  resourceVersion: string;
}

/** A JSON merge patch (RFC 7386) of the fields of `.status` this pod owns. */
export type StatusPatch = Record<string, unknown>;

/** What a source can do beyond the interface when it stands in for the operator (the embedded default). */
export interface SecretWriter {
  /** Creates a Secret that does not exist yet (local self-provisioning); never overwrites. */
  createSecret(name: string, data: Record<string, Buffer>): Promise<void>;
}
