// CNPG's Cluster phase strings (api/v1 cluster_types.go), written by the status patch and read by conditions.

/** CNPG's phase strings. */
export const PHASES = Object.freeze({
  healthy: 'Cluster in healthy state',
  applyingConfiguration: 'Applying configuration',
});
