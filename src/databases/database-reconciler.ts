// One pass over the declarative Databases of this Cluster, on the primary (CNPG
// internal/management/controller/database_controller.go Reconcile): each object is validated, planned
// (database-plan.ts) and applied, and its status says how it went. A refused or failing object never stops
// the others, and leaves the database as it was. Deleted objects are reclaimed by databaseReclaimPolicy:
// delete drops the database, retain keeps it (CNPG evaluateDropDatabase).
import { describeError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { sqlState } from '../db/sql-text.js';
import { readDatabase, readExtension, readSchema, roleExists, runStatements } from '../db/database-catalog.js';
import { dropDatabaseSql } from '../db/database-sql.js';
import type { Client, PoolClient } from '../db/pool.js';
import { databaseFromObject, objectName, type DatabaseSpec } from '../spec/database.js';
import type { DatabaseObjectJson, DatabaseObjectStatus, DatabaseSource, DatabaseStatusPatch } from '../source/database-source.js';
import { planDatabase, planExtension, planSchema } from './database-plan.js';
import { reconcileForeign } from './foreign-objects.js';

export type Queryable = Client | PoolClient;

export interface DatabaseReconcilerOptions {
  source: DatabaseSource;
  clusterName: string;
  /** Runs `fn` on a session to database `database` as the superuser. */
  session: <T>(database: string, fn: (db: Queryable) => Promise<T>) => Promise<T>;
  log: Logger;
}

/** Why an object was not applied; `retry`: the next pass may succeed with the same spec (a role created later). */
interface Outcome {
  status: DatabaseStatusPatch;
  retry: boolean;
}

function generationOf(raw: DatabaseObjectJson): number {
  const md = raw.metadata as { generation?: unknown } | undefined;
  return typeof md?.generation === 'number' ? md.generation : 1;
}

function failure(err: unknown, doing: string): string {
  const code = sqlState(err);
  return `while ${doing}: ${describeError(err)}${code ? ` (SQLSTATE ${code})` : ''}`;
}

// The entries of the status lists that failed, with their messages, for the log line (the status has them too).
function failedObjects(status: DatabaseStatusPatch): { failed?: string[] } {
  const lists = [status.schemas, status.extensions, status.fdws, status.servers];
  const failed = lists.flatMap((l) => (l ?? []).filter((o) => !o.applied).map((o) => `${o.name}: ${o.message ?? ''}`));
  return failed.length > 0 ? { failed } : {};
}

export class DatabaseReconciler {
  readonly #o: DatabaseReconcilerOptions;
  /** Per object name: the spec+generation applied (or refused for good), skipped until it changes. */
  readonly #done = new Map<string, string>();
  /** Per object name: the last status written, so an unchanged one is not written again. */
  readonly #written = new Map<string, string>();

  constructor(options: DatabaseReconcilerOptions) {
    this.#o = options;
  }

  /** One pass; `recheck` forgets what was applied (after a start or a promotion, the catalog may differ). */
  async pass(recheck: boolean): Promise<void> {
    if (recheck) this.#done.clear();
    const objects = await this.#o.source.list();
    if (objects === undefined) return;
    for (const gone of await this.#o.source.deleted()) await this.#reclaim(gone);
    const owners = new Map<string, string>();
    for (const raw of objects) await this.#one(raw, owners);
  }

  async #one(raw: DatabaseObjectJson, owners: Map<string, string>): Promise<void> {
    const name = objectName(raw);
    const generation = generationOf(raw);
    const key = `${generation}\0${JSON.stringify(raw.spec)}`;
    let spec: DatabaseSpec;
    try {
      spec = databaseFromObject(raw).spec;
    } catch (err) {
      return this.#finish(raw, name, key, { status: { observedGeneration: generation, applied: false, message: describeError(err) }, retry: false });
    }
    if (spec.cluster !== this.#o.clusterName) {
      if (!this.#o.source.refusesForeign) return;
      const message = `spec.cluster.name: "${spec.cluster}" is not this Cluster ("${this.#o.clusterName}")`;
      return this.#finish(raw, name, key, { status: { observedGeneration: generation, applied: false, message }, retry: false });
    }
    // CNPG detectConflictingManagers: one PostgreSQL database, one Database object (the first listed keeps it).
    const owner = owners.get(spec.name);
    if (owner !== undefined && owner !== name) {
      const message = `spec.name: database "${spec.name}" is already managed by Database "${owner}"`;
      return this.#finish(raw, name, key, { status: { observedGeneration: generation, applied: false, message }, retry: true });
    }
    owners.set(spec.name, name ?? '');
    if (name !== undefined && this.#done.get(name) === key) return;
    const outcome = await this.#apply(spec).catch((err: unknown): Outcome => ({ status: { applied: false, message: failure(err, `reconciling database "${spec.name}"`) }, retry: true }));
    return this.#finish(raw, name, key, { ...outcome, status: { ...outcome.status, observedGeneration: generation } });
  }

  async #apply(spec: DatabaseSpec): Promise<Outcome> {
    const plan = await this.#o.session('postgres', async (db) => {
      const existing = await readDatabase(db, spec.name, spec.encoding);
      const ownerExists = spec.owner === '' || (await roleExists(db, spec.owner));
      const planned = planDatabase(spec, existing, ownerExists);
      if ('refusal' in planned) return planned;
      try {
        await runStatements(db, planned.statements);
      } catch (err) {
        return { refusal: failure(err, `${existing ? (spec.ensure === 'absent' ? 'dropping' : 'altering') : 'creating'} database "${spec.name}"`) };
      }
      for (const statement of planned.statements) this.#o.log.info({ database: spec.name, statement }, 'database changed');
      return planned;
    });
    if ('refusal' in plan) return { status: { applied: false, message: plan.refusal }, retry: true };
    if (spec.ensure === 'absent' || spec.schemas.length + spec.extensions.length + spec.fdws.length + spec.servers.length === 0) {
      return { status: { applied: true, message: null, schemas: null, extensions: null, fdws: null, servers: null }, retry: false };
    }
    // Schemas first, then extensions (an extension may be created into a declared schema, and may bring a
    // foreign data wrapper), then wrappers and servers, as CNPG.
    const { schemas, extensions, fdws, servers } = await this.#o.session(spec.name, async (db) => ({
      schemas: await this.#objects(db, spec.schemas, (s) => readSchema(db, s.name), planSchema, 'schema'),
      extensions: await this.#objects(db, spec.extensions, (e) => readExtension(db, e.name), planExtension, 'extension'),
      ...(await reconcileForeign(db, spec.fdws, spec.servers, this.#o.log)),
    }));
    const ok = [...schemas, ...extensions, ...fdws, ...servers].every((s) => s.applied);
    const list = (l: DatabaseObjectStatus[]): DatabaseObjectStatus[] | null => (l.length > 0 ? l : null);
    const status = { applied: ok, message: ok ? null : 'database object reconciliation failed', schemas: list(schemas), extensions: list(extensions), fdws: list(fdws), servers: list(servers) };
    return { status, retry: !ok };
  }

  async #objects<S extends { name: string }, E>(db: Queryable, specs: S[], read: (s: S) => Promise<E | undefined>, plan: (s: S, e: E | undefined) => string[], kind: string): Promise<DatabaseObjectStatus[]> {
    const out: DatabaseObjectStatus[] = [];
    for (const s of specs) {
      try {
        const statements = plan(s, await read(s));
        await runStatements(db, statements);
        for (const statement of statements) this.#o.log.info({ [kind]: s.name, statement }, `${kind} changed`);
        out.push({ name: s.name, applied: true });
      } catch (err) {
        out.push({ name: s.name, applied: false, message: failure(err, `reconciling ${kind} "${s.name}"`) });
      }
    }
    return out;
  }

  async #finish(raw: DatabaseObjectJson, name: string | undefined, key: string, outcome: Outcome): Promise<void> {
    const { status } = outcome;
    const text = JSON.stringify(status);
    const changed = name === undefined || this.#written.get(name) !== text;
    if (changed && status.applied) this.#o.log.info({ object: name, generation: status.observedGeneration }, 'Database applied');
    // Logged once per distinct refusal, not on every retry.
    else if (changed) this.#o.log.error({ object: name ?? '(no metadata.name)', reason: status.message, ...failedObjects(status) }, 'Database not applied');
    if (name === undefined) return;
    if (!outcome.retry) this.#done.set(name, key);
    else this.#done.delete(name);
    if (!changed) return;
    try {
      await this.#o.source.patchStatus(raw, status);
      this.#written.set(name, text);
    } catch (err) {
      // The other objects still get their pass; this status is written again at the next one.
      this.#o.log.error({ object: name, err: describeError(err) }, 'writing the Database status failed; retried at the next pass');
      this.#done.delete(name);
    }
  }

  async #reclaim(raw: DatabaseObjectJson): Promise<void> {
    const name = objectName(raw);
    let spec: DatabaseSpec | undefined;
    try {
      spec = databaseFromObject(raw).spec;
    } catch {
      // Never valid: it never managed a database.
    }
    const status = raw.status as { applied?: unknown } | undefined;
    // CNPG evaluateDropDatabase: only an object that managed its database drops it.
    if (spec?.cluster === this.#o.clusterName && spec.ensure === 'present' && status?.applied === true) {
      const target = spec;
      if (target.reclaimPolicy === 'delete') {
        try {
          await this.#o.session('postgres', async (db) => {
            const existing = await readDatabase(db, target.name);
            if (existing) await runStatements(db, dropDatabaseSql(target.name, existing.isTemplate));
          });
        } catch (err) {
          this.#o.log.error({ object: name, database: target.name, err: describeError(err) }, 'Database deleted, but dropping its database failed; retried at the next pass');
          return;
        }
        this.#o.log.info({ object: name, database: target.name }, 'Database deleted: database dropped (databaseReclaimPolicy delete)');
      } else {
        this.#o.log.info({ object: name, database: target.name }, 'Database deleted: database kept (databaseReclaimPolicy retain)');
      }
    }
    if (name !== undefined) {
      this.#done.delete(name);
      this.#written.delete(name);
    }
    await this.#o.source.forget(raw);
  }
}
