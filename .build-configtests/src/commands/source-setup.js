import { ManagerError } from '../errors.js';
import { child } from '../log/logger.js';
import { FileSpecSource } from '../source/file-source.js';
import { provisionLocalSecrets } from '../tls/provision-local.js';
/** The file source with --cluster-manifest; the Kubernetes source is not built yet. */
export function createSpecSource(config) {
    if (config.source === 'file' && config.clusterManifest && config.secretsDir && config.statusFile) {
        return new FileSpecSource({
            manifestPath: config.clusterManifest,
            secretsDir: config.secretsDir,
            statusFile: config.statusFile,
            namespace: config.namespace,
        });
    }
    throw new ManagerError('NOT_IMPLEMENTED', 'the Kubernetes spec source is not implemented yet: pass --cluster-manifest FILE to run the embedded default');
}
/** The embedded default creates the CA, certificates and app credentials that are missing. */
export async function provisionIfLocal(source, cluster, root) {
    if (!(source instanceof FileSpecSource))
        return;
    const initdb = cluster.spec.bootstrap.initdb;
    await provisionLocalSecrets({
        clusterName: cluster.name,
        dnsNames: cluster.spec.certificates.serverAltDNSNames,
        appUser: initdb.owner,
        appSecretName: initdb.secretName,
        appDatabase: initdb.database,
        getSecret: (name) => source.getSecret(name),
        createSecret: (name, data) => source.createSecret(name, data),
        log: child(root, 'provision'),
    });
}
//# sourceMappingURL=source-setup.js.map