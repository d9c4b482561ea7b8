// Start-up gate (CNPG PreRun: wait for the Cluster for about 40 s): GET our Cluster with backoff until it
// answers or the deadline passes; then fail with a message that says what to fix. A 403 names the
// missing permission as a Role rule, since it is almost always an RBAC mistake (or not yet propagated).
import { setTimeout as sleep } from 'node:timers/promises';
import { ManagerError, describeError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { KubeApiError, type KubeApi, type KubeObject } from './kube-api.js';
import { jittered } from './cluster-watch.js';
import { CNPG_GROUP } from './rbac-rules.js';

export interface StartupGateOptions {
  api: KubeApi;
  name: string;
  log: Logger;
  timeoutMs: number;
}

/** Resolves with our Cluster object; throws a ManagerError when the deadline passes. */
export async function waitForCluster(o: StartupGateOptions): Promise<KubeObject> {
  const deadline = Date.now() + o.timeoutMs;
  let delay = 250;
  let last: unknown;
  for (let attempt = 1; ; attempt++) {
    try {
      return await o.api.getCluster(o.name);
    } catch (err) {
      last = err;
      const left = deadline - Date.now();
      if (left <= 0) break;
      if (attempt === 1) o.log.warn({ err: describeError(err), timeoutMs: o.timeoutMs }, 'cannot read our Cluster yet; retrying');
      await sleep(Math.min(left, jittered(delay)));
      delay = Math.min(5000, delay * 2);
    }
  }
  throw gateError(o, last);
}

function gateError(o: StartupGateOptions, err: unknown): ManagerError {
  const where = `clusters.${CNPG_GROUP} "${o.name}" in namespace "${o.api.namespace}"`;
  const seconds = Math.round(o.timeoutMs / 1000);
  if (err instanceof KubeApiError && err.status === 403) {
    return new ManagerError(
      'KUBE',
      `permission denied reading ${where} for ${seconds} s: the ServiceAccount needs "get" on "clusters" in API group "${CNPG_GROUP}" ` +
        `(Role rule apiGroups [${CNPG_GROUP}] resources [clusters] verbs [get] resourceNames [${o.name}]; ` +
        `print the Role with \`pg-instance-manager rbac --cluster FILE\`). API server said: ${err.message}`,
      { cause: err },
    );
  }
  if (err instanceof KubeApiError && err.status === 404) {
    return new ManagerError('KUBE', `${where} does not exist (waited ${seconds} s): check CLUSTER_NAME and NAMESPACE`, { cause: err });
  }
  if (err instanceof KubeApiError && err.status === 401) {
    return new ManagerError('KUBE', `the API server refused the ServiceAccount token (401) for ${seconds} s: check the token mount`, { cause: err });
  }
  return new ManagerError('KUBE', `cannot read ${where} within ${seconds} s: ${describeError(err)}`, { cause: err });
}
