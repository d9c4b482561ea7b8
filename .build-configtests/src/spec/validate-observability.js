// spec.certificates, spec.monitoring and spec.probes: the secret names the TLS files come from, the
// metrics exporter's settings, and the strategies behind /startupz, /readyz and /healthz.
import { ManifestError } from '../errors.js';
import { CLUSTER_DEFAULTS, } from './cluster.js';
import { Fields, checkSingleLine, describeType } from './fields.js';
import { parseGoDurationSeconds } from './go-duration.js';
const CERTIFICATES_KEYS = new Set([
    'serverCASecret', 'serverTLSSecret', 'replicationTLSSecret', 'clientCASecret', 'serverAltDNSNames',
]);
// MonitoringConfiguration in api/v1/cluster_types.go.
const MONITORING_KEYS = new Set([
    'disableDefaultQueries', 'customQueriesConfigMap', 'customQueriesSecret', 'enablePodMonitor', 'tls',
    'podMonitorMetricRelabelings', 'podMonitorRelabelings', 'metricsQueriesTTL',
]);
const KEY_SELECTOR_KEYS = new Set(['name', 'key', 'optional']);
const PROBES_KEYS = new Set(['startup', 'liveness', 'readiness']);
// The kubelet-side fields of corev1.Probe that CNPG inlines: the operator puts them in the pod spec.
const KUBE_PROBE_KEYS = [
    'initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold',
    'terminationGracePeriodSeconds',
];
const STRATEGY_PROBE_KEYS = new Set([...KUBE_PROBE_KEYS, 'type', 'maximumLag']);
const LIVENESS_KEYS = new Set([...KUBE_PROBE_KEYS, 'isolationCheck']);
const ISOLATION_KEYS = new Set(['enabled', 'requestTimeout', 'connectionTimeout']);
// A Kubernetes resource.Quantity such as 16Mi, 1G or 1024 (apimachinery/pkg/api/resource).
const QUANTITY = /^[+-]?([0-9.]+)(.*)$/;
const QUANTITY_SUFFIXES = new Set(['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei', 'm', 'k', 'M', 'G', 'T', 'P', 'E']);
const QUANTITY_EXPONENT = /^[eE][+-]?[0-9]+$/;
/** Validates spec.certificates; unset names take the operator's defaults (`<cluster>-ca`, ...). */
export function validateCertificates(spec, clusterName) {
    const f = spec.child('certificates') ?? Fields.of({}, spec.at('certificates'));
    f.onlyKeys(CERTIFICATES_KEYS);
    const secret = (key, fallback) => f.string(key) || fallback;
    return {
        serverTLSSecret: secret('serverTLSSecret', `${clusterName}-server`),
        serverCASecret: secret('serverCASecret', `${clusterName}-ca`),
        clientCASecret: secret('clientCASecret', `${clusterName}-ca`),
        replicationTLSSecret: secret('replicationTLSSecret', `${clusterName}-replication`),
        serverAltDNSNames: f.stringList('serverAltDNSNames', checkSingleLine) ?? [],
    };
}
/** Validates spec.monitoring (defaults: default queries on, TTL 30 s, plain HTTP). */
export function validateMonitoring(spec) {
    const f = spec.child('monitoring') ?? Fields.of({}, spec.at('monitoring'));
    f.onlyKeys(MONITORING_KEYS);
    f.bool('enablePodMonitor');
    const tls = f.child('tls');
    tls?.onlyKeys(new Set(['enabled']));
    return {
        disableDefaultQueries: f.bool('disableDefaultQueries') ?? false,
        customQueriesConfigMap: keySelectors(f, 'customQueriesConfigMap'),
        customQueriesSecret: keySelectors(f, 'customQueriesSecret'),
        metricsQueriesTTLSeconds: metricsTtl(f),
        tlsEnabled: tls?.bool('enabled') ?? false,
    };
}
function keySelectors(f, key) {
    return (f.objectList(key) ?? []).map((item) => {
        item.onlyKeys(KEY_SELECTOR_KEYS);
        return { name: item.requiredString('name'), key: item.requiredString('key') };
    });
}
function metricsTtl(f) {
    const text = f.string('metricsQueriesTTL');
    if (text === undefined)
        return CLUSTER_DEFAULTS.metricsQueriesTTLSeconds;
    const seconds = parseGoDurationSeconds(text);
    if (seconds === undefined || seconds < 0) {
        throw new ManifestError(f.at('metricsQueriesTTL'), `must be a duration >= 0 such as "30s" or "1m", got "${text}"`);
    }
    return seconds;
}
/** Validates spec.probes (defaults: pg_isready strategies, isolation check on as the CNPG webhook sets). */
export function validateProbes(spec) {
    const f = spec.child('probes');
    f?.onlyKeys(PROBES_KEYS);
    const liveness = f?.child('liveness');
    liveness?.onlyKeys(LIVENESS_KEYS);
    if (liveness !== undefined)
        kubeProbeFields(liveness);
    const isolation = liveness?.child('isolationCheck');
    isolation?.onlyKeys(ISOLATION_KEYS);
    return {
        startup: strategyProbe(f?.child('startup')),
        readiness: strategyProbe(f?.child('readiness')),
        liveness: {
            isolationCheck: isolation?.bool('enabled') ?? true,
            requestTimeoutMs: isolation?.int('requestTimeout', 1) ?? 1000,
            connectionTimeoutMs: isolation?.int('connectionTimeout', 1) ?? 1000,
        },
    };
}
function strategyProbe(f) {
    if (f === undefined)
        return { type: 'pg_isready' };
    f.onlyKeys(STRATEGY_PROBE_KEYS);
    kubeProbeFields(f);
    const probe = { type: f.oneOf('type', ['pg_isready', 'query', 'streaming']) ?? 'pg_isready' };
    const lag = f.get('maximumLag');
    if (lag !== undefined) {
        // A Quantity may arrive as a YAML number (1024) or a string (16Mi); keep its text either way.
        const text = typeof lag === 'number' && Number.isFinite(lag) ? String(lag) : lag;
        if (typeof text !== 'string' || !isQuantity(text)) {
            const got = typeof text === 'string' ? `"${text}"` : describeType(lag);
            throw new ManifestError(f.at('maximumLag'), `must be a quantity such as "16Mi", got ${got}`);
        }
        probe.maximumLag = text;
    }
    return probe;
}
function isQuantity(text) {
    const [, number, suffix] = QUANTITY.exec(text) ?? [];
    if (number === undefined || suffix === undefined)
        return false;
    if (number === '.' || number.indexOf('.') !== number.lastIndexOf('.'))
        return false;
    return QUANTITY_SUFFIXES.has(suffix) || QUANTITY_EXPONENT.test(suffix);
}
function kubeProbeFields(f) {
    for (const key of KUBE_PROBE_KEYS)
        f.int(key, 0);
}
//# sourceMappingURL=validate-observability.js.map