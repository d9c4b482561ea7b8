// The validated, defaulted view of a postgresql.cnpg.io/v1 Cluster that the rest of the manager reads.
// Only the fields the instance manager acts on are typed; `raw` keeps the whole object.
/** Defaults of the Cluster CRD that the instance manager relies on (api/v1/cluster_types.go). */
export const CLUSTER_DEFAULTS = Object.freeze({
    instances: 1,
    startDelay: 3600,
    stopDelay: 1800,
    smartShutdownTimeout: 180,
    switchoverDelay: 3600,
    metricsQueriesTTLSeconds: 30,
    database: 'app',
    encoding: 'UTF8',
});
//# sourceMappingURL=cluster.js.map