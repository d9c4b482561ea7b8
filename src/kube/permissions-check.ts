// Beyond CNPG: at start-up ask the API what this ServiceAccount may do (SelfSubjectRulesReview) and warn
// when it holds more than the manager needs, e.g. cluster-wide Secrets access through a broad binding.
import { describeError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { Cluster } from '../spec/cluster.js';
import type { KubeApi } from './kube-api.js';
import { excessPermissions, requiredRules } from './rbac-rules.js';

/** Returns the excess grants (logged at warn); an API that cannot answer yields undefined and a debug line. */
export async function checkPermissions(api: KubeApi, cluster: Cluster, log: Logger): Promise<string[] | undefined> {
  try {
    const held = await api.rulesReview(api.namespace);
    const excess = excessPermissions(held, requiredRules(cluster));
    if (excess.length > 0) {
      log.warn({ excess }, 'the ServiceAccount holds more permissions than the instance manager needs; narrow its Role to the output of `pg-instance-manager rbac`');
    }
    return excess;
  } catch (err) {
    log.debug({ err: describeError(err) }, 'SelfSubjectRulesReview unavailable: permission check skipped');
    return undefined;
  }
}
