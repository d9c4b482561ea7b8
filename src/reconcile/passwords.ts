// Applies the application owner's and the superuser's passwords from their Secrets on the primary
// (CNPG refreshCredentialsFromSecret): applied once per Secret version, superuser password removed
// while enableSuperuserAccess is false.
import { ManagerError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { Pool } from '../db/pool.js';
import { roleHasPassword, setRolePassword } from '../db/roles.js';
import type { Cluster } from '../spec/cluster.js';
import type { SpecSource } from '../source/spec-source.js';
import type { SecretObject } from '../model/objects.js';

/** The Secret annotation that forwards the password verbatim instead of hashing it (CNPG). */
export const PASSWORD_PASSTHROUGH_ANNOTATION = 'cnpg.io/passwordPassthrough';

export interface SecretCredentials {
  username: string;
  password: string;
  /** True when the annotation asks for the value to be sent as it is (it is then usually a hash). */
  passthrough: boolean;
}

/**
 * Reads `username` and `password` of a basic-auth Secret meant for `expectedUser`. Errors name the
 * Secret and the key, never the password.
 */
export function secretCredentials(secret: SecretObject, expectedUser: string): SecretCredentials {
  const username = secret.data.username?.toString('utf8').trim();
  const password = secret.data.password?.toString('utf8');
  if (username === undefined) throw new ManagerError('INVALID_SECRET', `username key doesn't exist inside the secret ${secret.name}`);
  if (username !== expectedUser) {
    throw new ManagerError('INVALID_SECRET', `wrong username '${username}' in secret ${secret.name}, expected '${expectedUser}'`);
  }
  if (password === undefined || password === '') {
    throw new ManagerError('INVALID_SECRET', `password key doesn't exist inside the secret ${secret.name}`);
  }
  // eslint-disable-next-line security/detect-object-injection -- a constant annotation name
  const passthrough = secret.annotations[PASSWORD_PASSTHROUGH_ANNOTATION] === 'enabled';
  return { username, password, passthrough };
}

/** Keeps per-role Secret versions in memory so a password is sent once per change. */
export class PasswordReconciler {
  readonly #applied = new Map<string, string>();
  readonly #log: Logger;
  readonly #onApplied: ((secret: SecretObject) => Promise<void>) | undefined;

  /** `onApplied`: after a password from `secret` is in force (the embedded default updates derived keys). */
  constructor(log: Logger, onApplied?: (secret: SecretObject) => Promise<void>) {
    this.#log = log;
    this.#onApplied = onApplied;
  }

  async #apply(pool: Pool, role: string, secret: SecretObject): Promise<void> {
    if (this.#applied.get(role) === secret.resourceVersion) return;
    const { password, passthrough } = secretCredentials(secret, role);
    const client = await pool.connect();
    try {
      await setRolePassword(client, role, password, { passthrough });
    } finally {
      client.release();
    }
    this.#applied.set(role, secret.resourceVersion);
    this.#log.info({ role, secretName: secret.name, passthrough }, 'password applied from secret');
    await this.#onApplied?.(secret);
  }

  /** Reconciles both passwords; returns nothing, throws a ManagerError naming the secret on bad content. */
  async reconcile(pool: Pool, cluster: Cluster, source: SpecSource): Promise<void> {
    const initdb = cluster.spec.bootstrap.initdb;
    const app = await source.getSecret(initdb.secretName);
    if (app) await this.#apply(pool, initdb.owner, app);
    if (cluster.spec.enableSuperuserAccess) {
      const su = await source.getSecret(cluster.spec.superuserSecretName);
      if (su) await this.#apply(pool, 'postgres', su);
      else this.#log.warn({ secretName: cluster.spec.superuserSecretName }, 'superuser access enabled but its secret does not exist');
      return;
    }
    // Forget the applied version so re-enabling applies the password again (https://github.com/cloudnative-pg/cloudnative-pg/issues/9721).
    this.#applied.delete('postgres');
    const client = await pool.connect();
    try {
      if (await roleHasPassword(client, 'postgres')) {
        await setRolePassword(client, 'postgres', null);
        this.#log.info('superuser access disabled: postgres password removed');
      }
    } finally {
      client.release();
    }
  }
}
