// Object store of the test API server: one global increasing resourceVersion, the status subresource
// rules of a CRD, merge and json patches, 409 on a stale resourceVersion, and an event history that
// watches replay (older than the compaction floor -> 410), as kube-apiserver + etcd behave.
import { randomUUID } from 'node:crypto';
import { applyJsonPatch, mergePatch, type JsonObject } from './kube-api-server-patch.js';
import { leaseProblem } from './kube-api-server-lease.js';

/** One resource type the server serves. */
export interface ResourceType {
  group: string;
  version: string;
  resource: string;
  kind: string;
  namespaced: boolean;
  /** The type has a status subresource (writes to the main resource ignore .status). */
  status: boolean;
  verbs: string[];
}

const RW = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];

/** The types the manager touches, plus the RBAC ones the rbac command prints. */
export const RESOURCE_TYPES: readonly ResourceType[] = [
  { group: '', version: 'v1', resource: 'secrets', kind: 'Secret', namespaced: true, status: false, verbs: RW },
  { group: '', version: 'v1', resource: 'configmaps', kind: 'ConfigMap', namespaced: true, status: false, verbs: RW },
  { group: '', version: 'v1', resource: 'events', kind: 'Event', namespaced: true, status: false, verbs: RW },
  { group: '', version: 'v1', resource: 'serviceaccounts', kind: 'ServiceAccount', namespaced: true, status: false, verbs: RW },
  { group: 'postgresql.cnpg.io', version: 'v1', resource: 'clusters', kind: 'Cluster', namespaced: true, status: true, verbs: RW },
  { group: 'postgresql.cnpg.io', version: 'v1', resource: 'backups', kind: 'Backup', namespaced: true, status: true, verbs: RW },
  { group: 'postgresql.cnpg.io', version: 'v1', resource: 'databases', kind: 'Database', namespaced: true, status: true, verbs: RW },
  { group: 'coordination.k8s.io', version: 'v1', resource: 'leases', kind: 'Lease', namespaced: true, status: false, verbs: RW },
  { group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'roles', kind: 'Role', namespaced: true, status: false, verbs: RW },
  { group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'rolebindings', kind: 'RoleBinding', namespaced: true, status: false, verbs: RW },
];

/** An error that the server turns into a Status body. */
export class StatusError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  rv: number;
  typeKey: string;
  namespace: string;
  name: string;
  object: JsonObject;
}

type Listener = (event: WatchEvent) => void;

function typeKeyOf(t: ResourceType): string {
  return `${t.group}/${t.resource}`;
}

function qualified(t: ResourceType): string {
  return t.group === '' ? t.resource : `${t.resource}.${t.group}`;
}

function clone<T>(v: T): T {
  return structuredClone(v);
}

function meta(obj: JsonObject): JsonObject {
  const m = obj.metadata;
  return typeof m === 'object' && m !== null && !Array.isArray(m) ? (m as JsonObject) : {};
}

/** The objects, their history and the live watch listeners. */
export class KubeStore {
  #rv = 1000;
  #floor = 0;
  readonly #objects = new Map<string, JsonObject>();
  readonly #history: WatchEvent[] = [];
  readonly #listeners = new Set<Listener>();

  /** The current global resourceVersion. */
  get resourceVersion(): number {
    return this.#rv;
  }

  /** Watches from a resourceVersion below this get 410 Gone. */
  get floor(): number {
    return this.#floor;
  }

  /** Forgets the history, as etcd compaction does: every older resourceVersion is now "too old". */
  compact(): void {
    this.#floor = this.#rv;
    this.#history.length = 0;
  }

  #key(t: ResourceType, ns: string, name: string): string {
    return `${typeKeyOf(t)}/${ns}/${name}`;
  }

  #notFound(t: ResourceType, name: string): StatusError {
    return new StatusError(404, 'NotFound', `${qualified(t)} "${name}" not found`);
  }

  #commit(t: ResourceType, ns: string, name: string, type: WatchEvent['type'], obj: JsonObject): JsonObject {
    // The one kind with field checks of its own (its MicroTime format): refused before any version is used.
    const problem = t.kind === 'Lease' && type !== 'DELETED' ? leaseProblem(obj) : undefined;
    if (problem !== undefined) throw new StatusError(400, 'BadRequest', `Lease in version "v1" cannot be handled as a Lease: ${problem}`);
    this.#rv += 1;
    meta(obj).resourceVersion = String(this.#rv);
    if (type === 'DELETED') this.#objects.delete(this.#key(t, ns, name));
    else this.#objects.set(this.#key(t, ns, name), obj);
    const event: WatchEvent = { type, rv: this.#rv, typeKey: typeKeyOf(t), namespace: ns, name, object: clone(obj) };
    this.#history.push(event);
    for (const l of this.#listeners) l(event);
    return clone(obj);
  }

  /** Reads one object; 404 Status when absent. */
  get(t: ResourceType, ns: string, name: string): JsonObject {
    const obj = this.#objects.get(this.#key(t, ns, name));
    if (!obj) throw this.#notFound(t, name);
    return clone(obj);
  }

  /** Lists a namespace (all namespaces with ns ''), optionally one name. */
  list(t: ResourceType, ns: string, name?: string): JsonObject[] {
    const prefix = `${typeKeyOf(t)}/`;
    const out: JsonObject[] = [];
    for (const [key, obj] of this.#objects) {
      if (!key.startsWith(prefix)) continue;
      const m = meta(obj);
      if (ns !== '' && m.namespace !== ns) continue;
      if (name !== undefined && m.name !== name) continue;
      out.push(clone(obj));
    }
    return out;
  }

  /** Creates an object (generateName supported); 409 AlreadyExists. */
  create(t: ResourceType, ns: string, body: JsonObject): JsonObject {
    const obj = clone(body);
    const m = meta(obj);
    obj.metadata = m;
    if (typeof m.name !== 'string' || m.name === '') {
      if (typeof m.generateName !== 'string') throw new StatusError(422, 'Invalid', `${t.kind} "" is invalid: metadata.name: Required value`);
      m.name = `${m.generateName}${randomUUID().slice(0, 5)}`;
    }
    const name = String(m.name);
    if (this.#objects.has(this.#key(t, ns, name))) throw new StatusError(409, 'AlreadyExists', `${qualified(t)} "${name}" already exists`);
    obj.apiVersion = t.group === '' ? t.version : `${t.group}/${t.version}`;
    obj.kind = t.kind;
    if (t.namespaced) m.namespace = ns;
    m.uid = randomUUID();
    m.creationTimestamp = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    if (t.status) m.generation = 1;
    return this.#commit(t, ns, name, 'ADDED', obj);
  }

  /** Replaces (PUT) or patches an object or its status; `mutate` computes the new body from the old one. */
  write(t: ResourceType, ns: string, name: string, subresource: string, mutate: (current: JsonObject) => JsonObject): JsonObject {
    const current = this.get(t, ns, name);
    const proposed = mutate(clone(current));
    const wanted = meta(proposed).resourceVersion;
    if (wanted !== undefined && wanted !== meta(current).resourceVersion) {
      throw new StatusError(
        409,
        'Conflict',
        `Operation cannot be fulfilled on ${qualified(t)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
      );
    }
    let next: JsonObject;
    if (subresource === 'status') {
      next = { ...current, status: proposed.status };
      if (proposed.status === undefined) delete next.status;
    } else {
      next = { ...proposed, metadata: { ...meta(proposed) } };
      const nm = meta(next);
      for (const k of ['uid', 'creationTimestamp', 'namespace', 'name', 'generation']) {
        // eslint-disable-next-line security/detect-object-injection -- fixed key list
        if (meta(current)[k] !== undefined) nm[k] = meta(current)[k];
      }
      if (t.status) {
        if (current.status === undefined) delete next.status;
        else next.status = current.status;
        if (JSON.stringify(current.spec) !== JSON.stringify(proposed.spec)) nm.generation = Number(meta(current).generation ?? 0) + 1;
      }
    }
    // A write that changes nothing is not a new version (no resourceVersion bump, no watch event).
    if (JSON.stringify(next) === JSON.stringify(current)) return current;
    return this.#commit(t, ns, name, 'MODIFIED', next);
  }

  /** Applies a patch by content type; 415 for any other type. */
  patch(t: ResourceType, ns: string, name: string, subresource: string, contentType: string, body: unknown): JsonObject {
    const type = contentType.split(';')[0]?.trim();
    if (type === 'application/merge-patch+json') return this.write(t, ns, name, subresource, (c) => mergePatch(c, body) as JsonObject);
    if (type === 'application/json-patch+json') return this.write(t, ns, name, subresource, (c) => applyJsonPatch(c, body));
    throw new StatusError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml`);
  }

  /** Deletes an object. */
  delete(t: ResourceType, ns: string, name: string): JsonObject {
    const current = this.get(t, ns, name);
    return this.#commit(t, ns, name, 'DELETED', current);
  }

  /** History events after `rv` (the caller checked the floor). */
  since(rv: number): WatchEvent[] {
    return this.#history.filter((e) => e.rv > rv);
  }

  /** Subscribes to every commit; returns the unsubscribe function. */
  subscribe(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}

export { typeKeyOf, qualified };
