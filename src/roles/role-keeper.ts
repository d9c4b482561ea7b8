// Declarative role management on the primary (CNPG internal/management/controller/roles/runnable.go): each
// round reads the password Secrets and the catalog, plans (role-plan.ts), runs the steps role by role, and
// patches status.managedRolesStatus. A role that cannot be reconciled (a missing Secret, an inRoles entry that
// names nothing, an SQL error) is reported under cannotReconcile and in the log; the other roles still are, and
// the instance keeps running. Rounds run on nudge() (each Cluster or Secret version, each start) and every
// `intervalMs`, so a role changed by hand is brought back. A password never reaches a log line or the status.
import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from '../log/logger.js';
import type { Pool, PoolClient } from '../db/pool.js';
import { alterRole, createRole, dropRole, listRoles, roleTransactionId, setRoleComment, updateMemberships, type PasswordChange } from '../db/managed-roles.js';
import { sqlState } from '../db/sql-text.js';
import type { ManagedRole } from '../spec/validate-managed-roles.js';
import type { Cluster } from '../spec/cluster.js';
import type { SpecSource } from '../source/spec-source.js';
import { secretCredentials } from '../reconcile/passwords.js';
import { planRoles, type PasswordState, type RoleStep, type SecretRead } from './role-plan.js';
import { managedRolesPatch, recordedPasswords, recordedProblemRoles, type ManagedRolesStatus } from './roles-status.js';

export interface RoleKeeperOptions {
  cluster: () => Cluster | undefined;
  /** The local pool while this instance is a ready primary; undefined otherwise. */
  pool: () => Pool | undefined;
  source: Pick<SpecSource, 'getSecret' | 'patchStatus'>;
  log: Logger;
  /** Between two rounds without a nudge; 30 s by default. */
  intervalMs?: number;
}

type Credentials = { version: string; password: string; passthrough: boolean } | { error: string };

// CNPG RoleError: "could not perform CREATE on role x: <cause>", the cause being PostgreSQL's message (with its
// detail, which names the objects a role still owns). PostgreSQL never echoes a PASSWORD literal in either.
function stepError(step: RoleStep, name: string, err: unknown): string {
  const e = err as { message?: unknown; detail?: unknown };
  const detail = typeof e.detail === 'string' && e.detail !== '' ? ` (${e.detail.replace(/\n/g, '; ')})` : '';
  const code = sqlState(err);
  return `could not perform ${step.kind.toUpperCase()} on role ${name}: ${String(e.message)}${detail}${code ? ` [SQLSTATE ${code}]` : ''}`;
}

function stepRole(step: RoleStep): string {
  return step.kind === 'drop' ? step.name : step.role.name;
}

/** Keeps the declared roles in PostgreSQL, on the primary only. */
export class RoleKeeper {
  readonly #o: RoleKeeperOptions;
  #applied: Map<string, PasswordState> | undefined;
  #lastPatch = '';
  #lastProblemRoles: string[] | undefined;
  #lastProblems = '';
  #wake = new AbortController();
  #nudged = false;

  constructor(options: RoleKeeperOptions) {
    this.#o = options;
  }

  /** Runs a round soon. */
  nudge(): void {
    this.#nudged = true;
    this.#wake.abort();
  }

  async #credentials(roles: readonly ManagedRole[]): Promise<Map<string, Credentials>> {
    const found = new Map<string, Credentials>();
    for (const role of roles) {
      if (role.ensure !== 'present' || role.passwordSecret === undefined) continue;
      try {
        const object = await this.#o.source.getSecret(role.passwordSecret);
        if (!object) throw new Error(`password secret ${role.passwordSecret} does not exist`);
        const { password, passthrough } = secretCredentials(object, role.name);
        found.set(role.name, { version: object.resourceVersion, password, passthrough });
      } catch (err) {
        found.set(role.name, { error: `while reading the password secret ${role.passwordSecret}: ${err instanceof Error ? err.message : String(err)}` });
      }
    }
    return found;
  }

  /** One round; resolves with the status it computed, or undefined when there is nothing to do here. */
  async once(): Promise<ManagedRolesStatus | undefined> {
    const cluster = this.#o.cluster();
    const pool = this.#o.pool();
    if (cluster === undefined || pool === undefined) return undefined;
    const declared = cluster.spec.managedRoles;
    if (declared.length === 0) {
      if (cluster.status.managedRolesStatus !== undefined && this.#lastPatch !== 'none') await this.#o.source.patchStatus({ managedRolesStatus: null });
      this.#lastPatch = 'none';
      return undefined;
    }
    this.#applied ??= recordedPasswords(cluster.status);
    const credentials = await this.#credentials(declared);
    const secrets = new Map<string, SecretRead>([...credentials].map(([role, c]) => [role, 'error' in c ? { error: c.error } : { version: c.version }]));
    const client = await pool.connect();
    let status: ManagedRolesStatus;
    try {
      const plan = planRoles({ declared, existing: await listRoles(client), applied: this.#applied, secrets });
      const problems = new Map(plan.blocked);
      await this.#apply(client, plan.steps, credentials, problems);
      // The status as the catalog now is: what succeeded is reconciled, what failed stays pending.
      const after = planRoles({ declared, existing: await listRoles(client), applied: this.#applied, secrets });
      status = { byStatus: after.byStatus, cannotReconcile: problems, passwordStatus: new Map(this.#applied) };
    } finally {
      client.release();
    }
    this.#reportProblems(status.cannotReconcile);
    await this.#patch(status, cluster);
    return status;
  }

  async #apply(client: PoolClient, steps: RoleStep[], credentials: Map<string, Credentials>, problems: Map<string, string[]>): Promise<void> {
    const applied = this.#applied ?? new Map<string, PasswordState>();
    this.#applied = applied;
    for (const step of steps) {
      const name = stepRole(step);
      // A role whose earlier step failed is left for the next round.
      if (problems.has(name)) continue;
      try {
        await this.#run(client, step, credentials.get(name));
        if (step.kind === 'create' || step.kind === 'alter') {
          const read = credentials.get(name);
          applied.set(name, { transactionID: (await roleTransactionId(client, name)) ?? 0, resourceVersion: read && 'version' in read ? read.version : '' });
        }
        if (step.kind === 'drop') applied.delete(name);
        this.#o.log.info({ role: name, action: step.kind }, 'managed role reconciled');
      } catch (err) {
        problems.set(name, [stepError(step, name, err)]);
      }
    }
  }

  async #run(client: PoolClient, step: RoleStep, read: Credentials | undefined): Promise<void> {
    if (step.kind === 'drop') return dropRole(client, step.name);
    if (step.kind === 'comment') return setRoleComment(client, step.role.name, step.role.comment);
    if (step.kind === 'memberships') return updateMemberships(client, step.role.name, step.grant, step.revoke);
    // CNPG DatabaseRoleFromConfiguration: no Secret and no disablePassword leaves the password as it is.
    let password: PasswordChange = { kind: step.role.disablePassword ? 'null' : 'keep' };
    if (read !== undefined && 'password' in read) password = { kind: 'set', value: read.password, passthrough: read.passthrough };
    if (step.kind === 'create') return createRole(client, step.role, password);
    return alterRole(client, step.role, password, step.validUntilInfinity);
  }

  // Logged once per change of the problems, not every round.
  #reportProblems(problems: ReadonlyMap<string, string[]>): void {
    const text = JSON.stringify([...problems]);
    if (text === this.#lastProblems) return;
    if (problems.size > 0) this.#o.log.warn({ cannotReconcile: Object.fromEntries(problems) }, 'some managed roles cannot be reconciled; the others are');
    else if (this.#lastProblems !== '') this.#o.log.info('every managed role is reconciled');
    this.#lastProblems = text;
  }

  async #patch(status: ManagedRolesStatus, cluster: Cluster): Promise<void> {
    const text = JSON.stringify([status.byStatus, [...status.cannotReconcile], [...status.passwordStatus]]);
    if (text === this.#lastPatch) return;
    const previous = this.#lastProblemRoles ?? recordedProblemRoles(cluster.status);
    await this.#o.source.patchStatus(managedRolesPatch(status, previous));
    this.#lastPatch = text;
    this.#lastProblemRoles = [...status.cannotReconcile.keys()];
  }

  /** Rounds until `signal` aborts; a failed round is logged and retried at the next. */
  async run(signal: AbortSignal): Promise<void> {
    let lastError = '';
    while (!signal.aborted) {
      this.#nudged = false;
      try {
        await this.once();
        lastError = '';
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        if (message !== lastError) this.#o.log.warn({ err: message }, 'managed roles round failed; retried at the next round');
        lastError = message;
      }
      this.#wake = new AbortController();
      if (this.#nudged) continue;
      await delay(this.#o.intervalMs ?? 30_000, undefined, { signal: AbortSignal.any([signal, this.#wake.signal]) }).catch(() => undefined);
    }
  }
}
