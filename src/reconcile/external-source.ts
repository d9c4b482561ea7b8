// How this instance reaches an external cluster (spec.bootstrap.pg_basebackup.source, spec.replica.source): its
// conninfo over the files reconcile/pgpass-files.ts writes under <controller>/external/<name>/ (CNPG
// pkg/management/external). The designated primary of a replica cluster streams with it, without a slot
// (instance_replica.go writeReplicaConfigurationForDesignatedPrimary).
import { ManagerError } from '../errors.js';
import { externalConninfo } from '../pgfiles/external-conninfo.js';
import { externalCluster } from '../spec/external-cluster.js';
import type { Cluster } from '../spec/cluster.js';

/** The conninfo of externalClusters[`name`]; throws naming the field when it has no connectionParameters. */
export function externalSourceConninfo(cluster: Cluster, name: string, externalDir: string, field: string, extra: [string, string][] = []): string {
  const server = externalCluster(cluster, name);
  if (server === undefined) throw new ManagerError('INVALID_MANIFEST', `${field}: no externalClusters entry "${name}"`);
  if (server.connectionParameters === undefined) throw new ManagerError('INVALID_MANIFEST', `${field}: externalClusters "${name}" has no connectionParameters`);
  return externalConninfo({
    externalDir,
    name,
    connectionParameters: server.connectionParameters,
    sslCert: server.sslCert,
    sslKey: server.sslKey,
    sslRootCert: server.sslRootCert,
    hasPassword: server.password !== undefined,
    extra,
  });
}
