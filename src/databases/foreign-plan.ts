// The pure plan of the foreign data wrappers and servers of a Database: declared entry vs the catalog -> the
// steps that make them agree, each naming the field it comes from (so a failing step's status names it), or
// the reason nothing may be done. As database-plan.ts, only what differs is sent (CNPG's updateDatabaseFDW
// re-sends every GRANT/REVOKE on each pass). A server's wrapper cannot be changed in PostgreSQL (ALTER SERVER
// has no FOREIGN DATA WRAPPER clause): a different `fdw` is refused as creation-only, where CNPG ignores it.
import type { ExistingFdw, ExistingServer } from '../db/foreign-catalog.js';
import {
  alterFdwSql, alterOptionClauses, alterServerOptionsSql, createFdwSql, createServerSql, dropFdwSql, dropServerSql, granteeName, hiddenLiteral, realLiteral, usageSql,
  type ForeignKind, type Literal,
} from '../db/foreign-sql.js';
import type { FdwSpec, ServerSpec, UsageSpec } from '../spec/database-foreign.js';

/** One statement; `shown` is the statement with option values left out, for the log. */
export interface Step {
  field: string;
  sql: string;
  shown: string;
}

export type ForeignPlan = { refusal: string } | { steps: Step[] };

const step = (field: string, build: (literal: Literal) => string): Step => ({ field, sql: build(realLiteral), shown: build(hiddenLiteral) });
const plain = (field: string, sql: string): Step => ({ field, sql, shown: sql });

/** The steps for spec.fdws[i] (`at`), given the wrapper as it is. */
export function planFdw(fdw: FdwSpec, existing: ExistingFdw | undefined, at: string): ForeignPlan {
  if (fdw.ensure === 'absent') return { steps: existing ? [plain(at, dropFdwSql(fdw.name))] : [] };
  const steps: Step[] = [];
  if (!existing) {
    steps.push(step(at, (literal) => createFdwSql(fdw, literal)));
    // CREATE FOREIGN DATA WRAPPER has no OWNER clause: the creator owns it until this.
    if (fdw.owner !== undefined) steps.push(plain(`${at}.owner`, alterFdwSql.owner(fdw.name, fdw.owner)));
    return { steps: [...steps, ...usageSteps('FOREIGN DATA WRAPPER', fdw.name, fdw.usage, new Set(), at)] };
  }
  if (fdw.handler !== undefined && fdw.handler !== existing.handler) steps.push(plain(`${at}.handler`, alterFdwSql.handler(fdw.name, fdw.handler)));
  if (fdw.validator !== undefined && fdw.validator !== existing.validator) steps.push(plain(`${at}.validator`, alterFdwSql.validator(fdw.name, fdw.validator)));
  if (fdw.owner !== undefined && fdw.owner !== existing.owner) steps.push(plain(`${at}.owner`, alterFdwSql.owner(fdw.name, fdw.owner)));
  if (alterOptionClauses(fdw.options, existing.options, realLiteral).length > 0) {
    steps.push(step(`${at}.options`, (literal) => alterFdwSql.options(fdw.name, alterOptionClauses(fdw.options, existing.options, literal))));
  }
  return { steps: [...steps, ...usageSteps('FOREIGN DATA WRAPPER', fdw.name, fdw.usage, existing.usage, at)] };
}

/** The steps for spec.servers[i] (`at`); `wrapperExists`: whether its fdw exists in the database. */
export function planServer(server: ServerSpec, existing: ExistingServer | undefined, wrapperExists: boolean, at: string): ForeignPlan {
  if (server.ensure === 'absent') return { steps: existing ? [plain(at, dropServerSql(server.name))] : [] };
  if (!existing) {
    if (!wrapperExists) return { refusal: `${at}.fdw: foreign data wrapper "${server.fdw}" does not exist (see its entry in status.fdws; an extension's wrapper needs the extension in spec.extensions)` };
    const create = step(at, (literal) => createServerSql(server, literal));
    return { steps: [create, ...usageSteps('FOREIGN SERVER', server.name, server.usage, new Set(), at)] };
  }
  if (existing.fdw !== server.fdw) {
    return { refusal: `${at}.fdw: is "${server.fdw}", server "${server.name}" uses "${existing.fdw}": creation-only (set ensure: absent to drop the server, then declare it anew)` };
  }
  const steps: Step[] = [];
  if (alterOptionClauses(server.options, existing.options, realLiteral).length > 0) {
    steps.push(step(`${at}.options`, (literal) => alterServerOptionsSql(server.name, alterOptionClauses(server.options, existing.options, literal))));
  }
  return { steps: [...steps, ...usageSteps('FOREIGN SERVER', server.name, server.usage, existing.usage, at)] };
}

// A GRANT for a role that lacks USAGE, a REVOKE for one that holds it; the entries apply in order.
function usageSteps(kind: ForeignKind, object: string, usage: readonly UsageSpec[], holders: ReadonlySet<string>, at: string): Step[] {
  const now = new Set(holders);
  const out: Step[] = [];
  usage.forEach((u, index) => {
    const role = granteeName(u.name);
    if ((u.type === 'grant') === now.has(role)) return;
    out.push(plain(`${at}.usage[${index}]`, usageSql(kind, object, u.name, u.type)));
    if (u.type === 'grant') now.add(role);
    else now.delete(role);
  });
  return out;
}
