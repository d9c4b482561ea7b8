// The foreign data wrappers and servers of one Database, reconciled in its database after the schemas and
// extensions (CNPG database_controller.go reconcileDatabaseObjects: fdws, then servers), each with its own
// status entry. Unlike CNPG, the servers to drop go first, so a wrapper and its server both set absent are
// dropped in one pass (DROP has no CASCADE). Each object's steps run in one transaction: a failing step
// leaves that object as it was, and its status names the field of the step.
import { describeError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { sqlState } from '../db/sql-text.js';
import { fdwExists, readFdw, readServer } from '../db/foreign-catalog.js';
import type { Client, PoolClient } from '../db/pool.js';
import type { DatabaseObjectStatus } from '../source/database-source.js';
import type { FdwSpec, ServerSpec } from '../spec/database-foreign.js';
import { planFdw, planServer, type ForeignPlan } from './foreign-plan.js';

type Queryable = Client | PoolClient;

export interface ForeignStatus {
  fdws: DatabaseObjectStatus[];
  servers: DatabaseObjectStatus[];
}

/** Applies spec.fdws and spec.servers on `db`, a session to the Database's database. */
export async function reconcileForeign(db: Queryable, fdws: readonly FdwSpec[], servers: readonly ServerSpec[], log: Logger): Promise<ForeignStatus> {
  const serverStatus = new Map<number, DatabaseObjectStatus>();
  const server = async (s: ServerSpec, i: number): Promise<void> => {
    const at = `spec.servers[${i}]`;
    serverStatus.set(i, await apply(db, s.name, 'server', log, async () => planServer(s, await readServer(db, s.name), await fdwExists(db, s.fdw), at)));
  };
  for (const [i, s] of servers.entries()) if (s.ensure === 'absent') await server(s, i);
  const fdwStatus: DatabaseObjectStatus[] = [];
  for (const [i, w] of fdws.entries()) {
    fdwStatus.push(await apply(db, w.name, 'foreign data wrapper', log, async () => planFdw(w, await readFdw(db, w.name), `spec.fdws[${i}]`)));
  }
  for (const [i, s] of servers.entries()) if (s.ensure === 'present') await server(s, i);
  return { fdws: fdwStatus, servers: [...serverStatus.entries()].sort(([a], [b]) => a - b).map(([, status]) => status) };
}

async function apply(db: Queryable, name: string, kind: string, log: Logger, plan: () => Promise<ForeignPlan>): Promise<DatabaseObjectStatus> {
  let planned: ForeignPlan;
  try {
    planned = await plan();
  } catch (err) {
    return { name, applied: false, message: failure(err, `reading ${kind} "${name}"`) };
  }
  if ('refusal' in planned) return { name, applied: false, message: planned.refusal };
  if (planned.steps.length === 0) return { name, applied: true };
  let field = '';
  try {
    await db.query('BEGIN');
    for (const s of planned.steps) {
      field = s.field;
      await db.query(s.sql);
    }
    await db.query('COMMIT');
  } catch (err) {
    await db.query('ROLLBACK').catch(() => undefined);
    return { name, applied: false, message: `${field}: ${failure(err, `reconciling ${kind} "${name}"`)}` };
  }
  for (const s of planned.steps) log.info({ [kind === 'server' ? 'server' : 'fdw']: name, statement: s.shown }, `${kind} changed`);
  return { name, applied: true };
}

function failure(err: unknown, doing: string): string {
  const code = sqlState(err);
  return `while ${doing}: ${describeError(err)}${code ? ` (SQLSTATE ${code})` : ''}`;
}
