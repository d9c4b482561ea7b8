// Text -> validated Cluster. Pure: the caller reads the file (or gets the object from the API server) and
// passes it in. YAML is read as Kubernetes reads it (YAML 1.1, so unquoted on/yes/off are booleans), with
// duplicate keys refused because kubectl would keep only one of them without a word.
import { parseAllDocuments } from 'yaml';
import { ManifestError } from '../errors.js';
import { Fields, describeType, isMapping } from './fields.js';
import { validateClusterSpec } from './validate-spec.js';
/** The Cluster API this manager speaks. */
export const CLUSTER_API_VERSION = 'postgresql.cnpg.io/v1';
// RFC 1123 label, the rule Kubernetes applies to the names of the Services CNPG derives from the cluster.
const DNS_LABEL_CHARS = /^[a-z0-9-]{1,63}$/;
/** Parses a (possibly multi-document) YAML manifest and returns its single validated Cluster. */
export function parseClusterManifest(text, origin, defaults) {
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
export function clusterFromObject(value, defaults) {
    if (!isMapping(value))
        throw new ManifestError('apiVersion', `the document must be an object, got ${describeType(value)}`);
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
    if (name === undefined || name === '')
        throw new ManifestError('metadata.name', 'required');
    if (!DNS_LABEL_CHARS.test(name) || name.startsWith('-') || name.endsWith('-')) {
        throw new ManifestError('metadata.name', `must be a DNS label (lower-case letters, digits, "-"; at most 63), got "${name}"`);
    }
    const namespace = metadata.string('namespace', { nonEmpty: true }) ?? defaults.namespace;
    const spec = validateClusterSpec(Fields.of(root.get('spec') ?? {}, 'spec'), name);
    const status = root.get('status');
    if (status !== undefined && !isMapping(status)) {
        throw new ManifestError('status', `must be an object, got ${describeType(status)}`);
    }
    const cluster = {
        apiVersion: CLUSTER_API_VERSION,
        kind: 'Cluster',
        name,
        namespace,
        spec,
        status: status ?? {},
        raw: value,
    };
    const resourceVersion = metadata.string('resourceVersion');
    if (resourceVersion !== undefined)
        cluster.resourceVersion = resourceVersion;
    const generation = metadata.int('generation', 0, Number.MAX_SAFE_INTEGER);
    if (generation !== undefined)
        cluster.generation = generation;
    return cluster;
}
function parseDocuments(text, origin) {
    const documents = parseAllDocuments(text, { version: '1.1', uniqueKeys: true, prettyErrors: true });
    // An input with no document at all comes back as an EmptyStream, which is not an array.
    if (!Array.isArray(documents))
        return [];
    return documents.map((doc, index) => {
        const error = doc.errors[0];
        if (error !== undefined) {
            const where = error.linePos?.[0];
            const at = where === undefined ? `document ${index + 1}` : `line ${where.line}, column ${where.col}`;
            // yaml appends " at line L, column C:" plus a source excerpt; keep only the reason.
            const reason = error.message.split(/ at line \d+|\n/, 1)[0] ?? error.code;
            throw new ManifestError(origin, `invalid YAML at ${at}: ${reason}`, { cause: error });
        }
        return doc.toJS({ maxAliasCount: 100 });
    });
}
//# sourceMappingURL=load-manifest.js.map