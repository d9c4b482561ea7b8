// Where Database objects (postgresql.cnpg.io/v1 Database) come from and where their status goes, one
// interface for both sources like spec-source.ts: the manifest file's Database documents with a status file
// each (database-files.ts), or the Kubernetes API (kube/database-source.ts).

/** A Database object as decoded JSON (validated later, so a bad one can still get a status). */
export type DatabaseObjectJson = Record<string, unknown>;

/** CNPG api/v1 DatabaseStatus; null clears a field (JSON merge patch). */
export interface DatabaseStatusPatch {
  observedGeneration?: number;
  applied: boolean;
  message: string | null;
  schemas?: DatabaseObjectStatus[] | null;
  extensions?: DatabaseObjectStatus[] | null;
  fdws?: DatabaseObjectStatus[] | null;
  servers?: DatabaseObjectStatus[] | null;
}

/** CNPG api/v1 DatabaseObjectStatus. */
export interface DatabaseObjectStatus {
  name: string;
  applied: boolean;
  message?: string;
}

export interface DatabaseSource {
  /** Human-readable origin, for logs. */
  readonly description: string;
  /**
   * Whether a Database naming another Cluster gets a refusal in its status: yes from the manifest file (it
   * holds one Cluster), no in Kubernetes, where it belongs to another Cluster's instances (CNPG skips it).
   */
  readonly refusesForeign: boolean;
  /** The Database objects now, each with metadata.generation set; undefined before the first list answered (a change follows). */
  list(): Promise<DatabaseObjectJson[] | undefined>;
  /** The deleted objects not yet forgotten, each as last seen (its spec holds the reclaim policy). */
  deleted(): Promise<DatabaseObjectJson[]>;
  /** Calls `onChange` when an object changes, until `signal` aborts (the file source's changes come with the Cluster's). */
  follow(signal: AbortSignal, onChange: () => void): Promise<void>;
  /** Merge-patches the status of `object`. */
  patchStatus(object: DatabaseObjectJson, patch: DatabaseStatusPatch): Promise<void>;
  /** Forgets a deleted object once its reclaim policy was applied (until then deleted() returns it again). */
  forget(object: DatabaseObjectJson): Promise<void>;
}
