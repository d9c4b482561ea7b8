// A monolith import's roles, applied (CNPG logicalimport/role.go importRoles, roleinheritance.go): read from
// the source with psql, created on this instance one by one. As in CNPG a role that cannot be created (it
// exists already, say) is logged and skipped, not fatal. The statements carry password verifiers: they are
// never logged, only the role names.
import type { Logger } from '../log/logger.js';
import { withClient, type DbTarget } from '../db/pool.js';
import { sqlState } from '../db/sql-text.js';
import type { InitdbSpec, ImportSpec } from '../spec/cluster.js';
import { createRoleStatement, grantStatement, rolesToImport, SOURCE_MEMBERSHIPS_QUERY, SOURCE_ROLES_QUERY, type SourceMembership, type SourceRole } from './import-roles.js';
import { sourceJson, type ImportTools } from './import-tools.js';

export interface ImportRolesInput {
  target: DbTarget;
  spec: InitdbSpec & { import: ImportSpec };
  tools: ImportTools;
  sourceConninfo: string;
  log: Logger;
}

/** Creates the selected roles of the source, then grants their memberships. */
export async function importRoles(o: ImportRolesInput): Promise<void> {
  const rows = await sourceJson<SourceRole[]>(o.tools, o.sourceConninfo, SOURCE_ROLES_QUERY, 'the roles (pg_authid: the source user must be a superuser)');
  const roles = rolesToImport(rows, o.spec.import.roles, o.spec.owner);
  const memberships = await sourceJson<SourceMembership[]>(o.tools, o.sourceConninfo, SOURCE_MEMBERSHIPS_QUERY, 'the role memberships');
  const created: string[] = [];
  await withClient({ ...o.target, database: 'postgres' }, async (client) => {
    for (const role of roles) {
      try {
        await client.query(createRoleStatement(role));
        created.push(role.rolname);
      } catch (err) {
        o.log.warn({ role: role.rolname, code: sqlState(err), err: (err as Error).message }, 'role not imported');
      }
    }
    for (const m of memberships) {
      await client.query(grantStatement(m)).catch((err: unknown) => o.log.warn({ role: m.roleid, member: m.member, code: sqlState(err) }, 'role membership not imported'));
    }
  });
  o.log.info({ roles: created }, 'roles imported');
}
