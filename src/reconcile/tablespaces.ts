// Declarative tablespaces on the primary (CNPG internal/management/controller/tablespaces/: reconciler.go,
// actions.go): each spec.tablespaces entry is created in its folder (<tablespacesDir>/<name>/data, made here as
// CNPG's volume mount would be) with its owner, or has its owner changed; tablespaces are never dropped. Each
// one's outcome is a status.tablespacesStatus entry, `reconciled` or `pending` with the error, as CNPG's
// TablespaceState: one that fails (a folder that cannot be made, an owner that does not exist) leaves the
// others reconciled and postgres running, and is tried again at the next reconcile.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describeError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { Pool } from '../db/pool.js';
import { alterTablespaceOwner, createTablespace, listTablespaces, replicaCount, type DbTablespace } from '../db/tablespaces.js';
import type { TablespaceSpec } from '../spec/cluster.js';

/** One entry of status.tablespacesStatus (CNPG api/v1 TablespaceState). */
export interface TablespaceState {
  name: string;
  owner?: string;
  state: 'reconciled' | 'pending';
  error?: string;
}

export type TablespaceAction = 'create' | 'update' | 'none';

/** What each spec tablespace needs, given those in the database (CNPG evaluateNextSteps). Pure. */
export function planTablespaces(spec: readonly TablespaceSpec[], inDb: readonly DbTablespace[]): { tablespace: TablespaceSpec; action: TablespaceAction }[] {
  const byName = new Map(inDb.map((t) => [t.name, t]));
  return spec.map((tablespace) => {
    const found = byName.get(tablespace.name);
    if (!found) return { tablespace, action: 'create' };
    return { tablespace, action: tablespace.owner !== undefined && tablespace.owner !== found.owner ? 'update' : 'none' };
  });
}

export interface TablespaceReconcileOptions {
  pool: Pool;
  spec: readonly TablespaceSpec[];
  tablespacesDir: string;
  log: Logger;
  /**
   * The embedded default: every instance runs on this machine. A replica replaying CREATE TABLESPACE uses the
   * primary's location and empties its version folder first (PostgreSQL tablespace.c
   * create_tablespace_directories, "forcibly drop the target subdirectory"), so a tablespace is created only
   * while no replica streams or keeps a slot; replicas cloned later map it to their own folder.
   */
  sharedMachine?: boolean;
}

/** Creates or updates every spec tablespace; resolves with their states (never rejects for one tablespace). */
export async function reconcileTablespaces(o: TablespaceReconcileOptions): Promise<TablespaceState[]> {
  const steps = planTablespaces(o.spec, await listTablespaces(o.pool));
  const states: TablespaceState[] = [];
  for (const { tablespace, action } of steps) {
    const base = { name: tablespace.name, ...(tablespace.owner !== undefined ? { owner: tablespace.owner } : {}) };
    try {
      if (action === 'create') await create(o, tablespace);
      if (action === 'update' && tablespace.owner !== undefined) {
        await alterTablespaceOwner(o.pool, tablespace.name, tablespace.owner);
        o.log.info({ tablespace: tablespace.name, owner: tablespace.owner }, 'tablespace owner changed');
      }
      states.push({ ...base, state: 'reconciled' });
    } catch (err) {
      const error = describeError(err);
      o.log.error({ tablespace: tablespace.name, err: error }, 'tablespace not reconciled; the others are, and it is tried again at the next reconcile');
      states.push({ ...base, state: 'pending', error });
    }
  }
  return states;
}

async function create(o: TablespaceReconcileOptions, t: TablespaceSpec): Promise<void> {
  const location = join(o.tablespacesDir, t.name, 'data');
  try {
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- <tablespacesDir>/<validated name>/data
    await mkdir(location, { recursive: true, mode: 0o700 });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new Error(`cannot create the folder ${location} of tablespace ${t.name} (${code}: ${(err as Error).message})`, { cause: err });
  }
  if (o.sharedMachine && (await replicaCount(o.pool)) > 0) {
    throw new Error(
      `tablespace ${t.name} not created: a replica on this machine would replay CREATE TABLESPACE into this instance's folder ${location} and empty it; create tablespaces before replicas join (they clone them into their own folders)`,
    );
  }
  try {
    await createTablespace(o.pool, t.name, t.owner, location);
  } catch (err) {
    throw new Error(`while creating tablespace ${t.name}: ${describeError(err)}`, { cause: err });
  }
  o.log.info({ tablespace: t.name, owner: t.owner, location, temporary: t.temporary }, 'tablespace created');
}
