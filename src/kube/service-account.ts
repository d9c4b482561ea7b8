// In-cluster settings from the ServiceAccount mount and KUBERNETES_SERVICE_HOST/PORT, and a token file
// reader that notices rotation (kubelet replaces projected tokens long before they expire).
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ManagerError } from '../errors.js';

/** Where the kubelet mounts the ServiceAccount token, CA and namespace. */


export interface InClusterSettings {
  server: string;
  caFile: string;
  tokenFile: string;
  namespace: string;
}

type Env = Readonly<Record<string, string | undefined>>;

/** Reads the mount and env; throws naming the missing variable or file. */
export function inClusterSettings(env: Env, saDir: string, namespaceOverride?: string): InClusterSettings {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  if (!host || !port) {
    throw new ManagerError('USAGE', 'KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be set (not in a pod?): pass --cluster-manifest FILE to run the embedded default');
  }
  let namespace = namespaceOverride;
  if (namespace === undefined) {
    try {
      // eslint-disable-next-line security/detect-non-literal-fs-filename -- the ServiceAccount mount
      namespace = readFileSync(join(saDir, 'namespace'), 'utf8').trim();
    } catch (err) {
      throw new ManagerError('USAGE', `NAMESPACE is not set and ${join(saDir, 'namespace')} cannot be read`, { cause: err });
    }
  }
  // Always https: client-node would switch to http on ports 80/8080/8001, where no bearer token may travel.
  const server = `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return { server, caFile: join(saDir, 'ca.crt'), tokenFile: join(saDir, 'token'), namespace };
}

/** Re-reads the token file when it changes (or at least every minute); trims the trailing newline. */
export class TokenFile {
  readonly path: string;
  #token = '';
  #stamp = '';
  #readAt = 0;

  constructor(path: string) {
    this.path = path;
  }

  /** The current token; throws when the file is missing or empty. */
  current(): string {
    let stamp = '';
    try {
      // eslint-disable-next-line security/detect-non-literal-fs-filename -- the ServiceAccount token file
      const st = statSync(this.path);
      stamp = `${st.ino}:${st.mtimeMs}:${st.size}`;
    } catch (err) {
      throw new ManagerError('KUBE', `ServiceAccount token ${this.path} cannot be read`, { cause: err, retryable: true });
    }
    if (stamp !== this.#stamp || Date.now() - this.#readAt > 60_000) {
      // eslint-disable-next-line security/detect-non-literal-fs-filename -- the ServiceAccount token file
      const token = readFileSync(this.path, 'utf8').trim();
      // eslint-disable-next-line security/detect-possible-timing-attacks -- an emptiness check, not a comparison with a secret
      if (token === '') throw new ManagerError('KUBE', `ServiceAccount token ${this.path} is empty`, { retryable: true });
      this.#token = token;
      this.#stamp = stamp;
      this.#readAt = Date.now();
    }
    return this.#token;
  }
}
