// Text -> validated Cluster. Pure: the caller reads the file (or gets the object from the API server) and
// passes it in. YAML is read as Kubernetes reads it (YAML 1.1, so unquoted on/yes/off are booleans), with
// duplicate keys refused because kubectl would keep only one of them without a word.
import { LineCounter, parseAllDocuments, visit, type Alias, type Document } from 'yaml';
import { ManifestError } from '../errors.js';
import type { Cluster } from './cluster.js';
import { Fields, describeType, isMapping } from './fields.js';
import { validateClusterSpec } from './validate-spec.js';

/** The Cluster API this manager speaks. */
export const CLUSTER_API_VERSION = 'postgresql.cnpg.io/v1';

/** What the caller knows that the manifest may omit. */
export interface ManifestDefaults {
  /** Namespace used when metadata.namespace is absent (the pod's NAMESPACE). */
  namespace: string;
}

/**
 * How many nodes the aliases of one document may expand to (yaml's maxAliasCount): a CNPG manifest uses a
 * handful at most, and a "billion laughs" document of a few hundred bytes would otherwise expand to gigabytes.
 */
export const MAX_ALIAS_COUNT = 100;

// The top level of a Kubernetes object and its ObjectMeta (k8s.io/apimachinery/pkg/apis/meta/v1/types.go):
// anything else is kept in Cluster.raw but warned about, as kubectl warns 'unknown field "metadata.lables"'.
const OBJECT_KEYS: ReadonlySet<string> = new Set(['apiVersion', 'kind', 'metadata', 'spec', 'status']);
const OBJECT_META_KEYS: ReadonlySet<string> = new Set([
  'name', 'generateName', 'namespace', 'selfLink', 'uid', 'resourceVersion', 'generation', 'creationTimestamp',
  'deletionTimestamp', 'deletionGracePeriodSeconds', 'labels', 'annotations', 'ownerReferences', 'finalizers',
  'managedFields',
]);

// RFC 1123 label, the rule Kubernetes applies to the names of the Services CNPG derives from the cluster.
const DNS_LABEL_CHARS = /^[a-z0-9-]{1,63}$/;

/** Parses a (possibly multi-document) YAML manifest and returns its single validated Cluster. */
export function parseClusterManifest(text: string, origin: string, defaults: ManifestDefaults): Cluster {
  const documents = parseDocuments(text, origin);
  const clusters = documents.filter((doc) => isMapping(doc) && doc.kind === 'Cluster');
  if (clusters.length === 0) {
    const kinds = documents.map((doc) => (isMapping(doc) && typeof doc.kind === 'string' ? doc.kind : '(no kind)'));
    const seen = kinds.length === 0 ? 'the file is empty' : `kinds found: ${kinds.join(', ')}`;
    throw new ManifestError('kind', `no Cluster document was found in ${origin} (${seen})`);
  }
  if (clusters.length > 1) {
    throw new ManifestError('kind', `${origin} holds ${clusters.length} Cluster documents; exactly one is expected`);
  }
  return clusterFromObject(clusters[0], defaults);
}

/** Validates one already-decoded Cluster object (from YAML or from the Kubernetes API). */
export function clusterFromObject(value: unknown, defaults: ManifestDefaults): Cluster {
  if (!isMapping(value)) throw new ManifestError('apiVersion', `the document must be an object, got ${describeType(value)}`);
  const root = Fields.of(value, '');
  const apiVersion = root.get('apiVersion');
  if (apiVersion !== CLUSTER_API_VERSION) {
    const got = typeof apiVersion === 'string' ? `"${apiVersion}"` : describeType(apiVersion);
    throw new ManifestError('apiVersion', `must be ${CLUSTER_API_VERSION}, got ${got}`);
  }
  const kind = root.get('kind');
  if (kind !== 'Cluster') {
    const got = typeof kind === 'string' ? `"${kind}"` : describeType(kind);
    throw new ManifestError('kind', `must be Cluster, got ${got}`);
  }
  const metadata = Fields.of(root.get('metadata') ?? {}, 'metadata');
  const name = metadata.string('name');
  if (name === undefined || name === '') throw new ManifestError('metadata.name', 'required');
  if (!DNS_LABEL_CHARS.test(name) || name.startsWith('-') || name.endsWith('-')) {
    throw new ManifestError('metadata.name', `must be a DNS label (lower-case letters, digits, "-"; at most 63), got "${name}"`);
  }
  const namespace = metadata.string('namespace', { nonEmpty: true }) ?? defaults.namespace;
  const spec = validateClusterSpec(Fields.of(root.get('spec') ?? {}, 'spec'), name);
  const status = root.get('status');
  if (status !== undefined && !isMapping(status)) {
    throw new ManifestError('status', `must be an object, got ${describeType(status)}`);
  }
  const cluster: Cluster = {
    apiVersion: CLUSTER_API_VERSION,
    kind: 'Cluster',
    name,
    namespace,
    spec,
    status: status ?? {},
    raw: value,
  };
  const unknown = [...root.unknownKeys(OBJECT_KEYS), ...metadata.unknownKeys(OBJECT_META_KEYS)];
  const warnings = [...unknown.map((path) => `unknown field "${path}"`), ...(spec.backup?.volumeSnapshot?.warnings ?? [])];
  if (warnings.length > 0) cluster.warnings = warnings;
  const resourceVersion = metadata.string('resourceVersion');
  if (resourceVersion !== undefined) cluster.resourceVersion = resourceVersion;
  const generation = metadata.int('generation', 0, Number.MAX_SAFE_INTEGER);
  if (generation !== undefined) cluster.generation = generation;
  return cluster;
}

/** Every document of a (multi-document) YAML text, decoded as Kubernetes reads YAML; throws naming the line. */
export function parseDocuments(text: string, origin: string): unknown[] {
  const lineCounter = new LineCounter();
  const documents = parseAllDocuments(text, { version: '1.1', uniqueKeys: true, prettyErrors: true, lineCounter });
  // An input with no document at all comes back as an EmptyStream, which is not an array.
  if (!Array.isArray(documents)) return [];
  return documents.map((doc, index) => {
    const error = doc.errors[0];
    if (error !== undefined) {
      const where = error.linePos?.[0];
      const at = where === undefined ? `document ${index + 1}` : `line ${where.line}, column ${where.col}`;
      // yaml appends " at line L, column C:" plus a source excerpt; keep only the reason.
      const reason = error.message.split(/ at line \d+|\n/, 1)[0] ?? error.code;
      throw new ManifestError(origin, `invalid YAML at ${at}: ${reason}`, { cause: error });
    }
    return toObject(doc, origin, lineCounter);
  });
}

/** The document as plain values; an alias refused by yaml (too many expansions, no anchor) names its line. */
function toObject(doc: Document.Parsed, origin: string, lineCounter: LineCounter): unknown {
  // yaml's ReferenceError does not say where: each alias records itself when its resolution throws, the
  // innermost first, which is the one yaml refused.
  let failed: Alias | undefined;
  visit(doc, {
    Alias: (_key, node) => {
      const resolve = node.toJSON.bind(node);
      node.toJSON = (arg, ctx) => {
        try {
          return resolve(arg, ctx);
        } catch (err) {
          failed ??= node;
          throw err;
        }
      };
    },
  });
  try {
    return doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) as unknown;
  } catch (err) {
    if (!(err instanceof ReferenceError) || failed?.range === undefined || failed.range === null) throw err;
    const { line, col } = lineCounter.linePos(failed.range[0]);
    const reason = err.message.startsWith('Excessive alias count')
      ? `the alias *${failed.source} takes the document past ${MAX_ALIAS_COUNT} alias expansions (an alias bomb?)`
      : err.message;
    throw new ManifestError(origin, `invalid YAML at line ${line}, column ${col}: ${reason}`, { cause: err });
  }
}
