// Applies the application owner's and the superuser's passwords from their Secrets on the primary
// (CNPG refreshCredentialsFromSecret): applied once per Secret version, superuser password removed
// while enableSuperuserAccess is false.
import { ManagerError } from '../errors.js';
import { roleHasPassword, setRolePassword } from '../db/roles.js';
function credentials(secret, expectedUser) {
    const username = secret.data.username?.toString('utf8').trim();
    const password = secret.data.password?.toString('utf8');
    if (username === undefined)
        throw new ManagerError('INVALID_SECRET', `username key doesn't exist inside the secret ${secret.name}`);
    if (username !== expectedUser) {
        throw new ManagerError('INVALID_SECRET', `wrong username '${username}' in secret ${secret.name}, expected '${expectedUser}'`);
    }
    if (password === undefined || password === '') {
        throw new ManagerError('INVALID_SECRET', `password key doesn't exist inside the secret ${secret.name}`);
    }
    return password;
}
/** Keeps per-role Secret versions in memory so a password is sent once per change. */
export class PasswordReconciler {
    #applied = new Map();
    #log;
    constructor(log) {
        this.#log = log;
    }
    async #apply(pool, role, secret) {
        if (this.#applied.get(role) === secret.resourceVersion)
            return;
        const password = credentials(secret, role);
        const client = await pool.connect();
        try {
            await setRolePassword(client, role, password);
        }
        finally {
            client.release();
        }
        this.#applied.set(role, secret.resourceVersion);
        this.#log.info({ role, secretName: secret.name }, 'password applied from secret');
    }
    /** Reconciles both passwords; returns nothing, throws a ManagerError naming the secret on bad content. */
    async reconcile(pool, cluster, source) {
        const initdb = cluster.spec.bootstrap.initdb;
        const app = await source.getSecret(initdb.secretName);
        if (app)
            await this.#apply(pool, initdb.owner, app);
        if (cluster.spec.enableSuperuserAccess) {
            const su = await source.getSecret(cluster.spec.superuserSecretName);
            if (su)
                await this.#apply(pool, 'postgres', su);
            else
                this.#log.warn({ secretName: cluster.spec.superuserSecretName }, 'superuser access enabled but its secret does not exist');
            return;
        }
        // Forget the applied version so re-enabling applies the password again (CNPG #9721).
        this.#applied.delete('postgres');
        const client = await pool.connect();
        try {
            if (await roleHasPassword(client, 'postgres')) {
                await setRolePassword(client, 'postgres', null);
                this.#log.info('superuser access disabled: postgres password removed');
            }
        }
        finally {
            client.release();
        }
    }
}
//# sourceMappingURL=passwords.js.map