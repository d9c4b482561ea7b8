// Chooses the spec source from the Config and, for the embedded default, provisions what an operator would.
import type { Config } from '../config/config.js';
import { ManagerError } from '../errors.js';
import { child, createRootLogger, type Logger } from '../log/logger.js';
import type { Cluster } from '../spec/cluster.js';
import type { ChildRegistry } from '../supervisor/child-registry.js';
import { FileSpecSource } from '../source/file-source.js';
import type { SpecSource } from '../source/spec-source.js';
import { provisionLocalSecrets, staleConnectionKeys } from '../tls/provision-local.js';
import type { SecretObject } from '../model/objects.js';

/**
 * The file source with --cluster-manifest, else the Kubernetes source. The kube modules (and client-node,
 * on first use) are only loaded in Kubernetes mode, so the embedded default never pays for them.
 */
export async function createSpecSource(config: Config, root?: Logger): Promise<SpecSource> {
  if (config.source === 'file' && config.clusterManifest && config.secretsDir && config.statusFile) {
    return new FileSpecSource({
      manifestPath: config.clusterManifest,
      secretsDir: config.secretsDir,
      configmapsDir: config.configmapsDir,
      statusFile: config.statusFile,
      namespace: config.namespace,
      podName: config.podName,
    });
  }
  const clusterName = config.clusterName;
  if (!clusterName) throw new ManagerError('USAGE', 'CLUSTER_NAME (--cluster-name) is required with the Kubernetes source (or pass --cluster-manifest FILE)');
  const [{ KubeSpecSource }, { inClusterSettings }] = await Promise.all([import('../kube/kube-source.js'), import('../kube/service-account.js')]);
  const settings = inClusterSettings(process.env, config.kubeSaDir, config.namespace);
  return new KubeSpecSource({
    api: async () => (await import('../kube/kube-client.js')).createKubeApi(settings),
    clusterName,
    log: child(root ?? createRootLogger({ level: config.logLevel }), 'kube'),
    startupTimeoutMs: config.kubeStartupTimeout * 1000,
  });
}

/** The embedded default creates the CA, certificates and app credentials that are missing. */
export async function provisionIfLocal(source: SpecSource, cluster: Cluster, root: Logger, registry: ChildRegistry): Promise<void> {
  if (!(source instanceof FileSpecSource)) return;
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
    registry,
  });
}

/**
 * The embedded default created the app Secret, so it keeps the Secret consistent: once a new `password` was
 * applied, `uri` and `pgpass` are rewritten to carry it (an operator would regenerate them). Kubernetes mode:
 * nothing (the operator owns its Secrets).
 */
export function localSecretUpkeep(source: SpecSource, root: Logger): ((secret: SecretObject) => Promise<void>) | undefined {
  if (!(source instanceof FileSpecSource)) return undefined;
  const log = child(root, 'provision');
  return async (secret) => {
    const stale = staleConnectionKeys(secret);
    if (!stale) return;
    await source.updateSecretKeys(secret.name, stale);
    log.info({ secretName: secret.name, keys: Object.keys(stale) }, 'connection keys updated to the new password');
  };
}
