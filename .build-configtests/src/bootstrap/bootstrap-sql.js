import { withClient } from '../db/pool.js';
import { ensureDatabase, ensureLoginRole, ensureSystemRoles, setRolePassword } from '../db/roles.js';
import { wrap } from '../errors.js';
async function runList(client, statements, what, log) {
    for (const [index, sql] of statements.entries()) {
        try {
            await client.query(sql);
        }
        catch (err) {
            // The statement text is the user's and may hold anything: name its index, not its text.
            throw wrap('BOOTSTRAP', `spec.bootstrap.initdb.${what}[${index}] failed`, err);
        }
    }
    if (statements.length)
        log.info({ count: statements.length, list: what }, 'post-init SQL applied');
}
/** Runs the bootstrap SQL against a freshly initialised, running server. */
export async function runBootstrapSql({ target, spec, ownerPassword, log }) {
    await withClient({ ...target, database: 'postgres' }, async (client) => {
        await runList(client, spec.postInitSQL, 'postInitSQL', log);
        await ensureSystemRoles(client);
        await ensureLoginRole(client, spec.owner);
        if (ownerPassword !== undefined)
            await setRolePassword(client, spec.owner, ownerPassword);
    });
    if (spec.postInitTemplateSQL.length) {
        await withClient({ ...target, database: 'template1' }, (client) => runList(client, spec.postInitTemplateSQL, 'postInitTemplateSQL', log));
    }
    await withClient({ ...target, database: 'postgres' }, (client) => ensureDatabase(client, spec.database, spec.owner));
    if (spec.postInitApplicationSQL.length) {
        await withClient({ ...target, database: spec.database }, (client) => runList(client, spec.postInitApplicationSQL, 'postInitApplicationSQL', log));
    }
    log.info({ database: spec.database, owner: spec.owner }, 'application database and owner created');
}
//# sourceMappingURL=bootstrap-sql.js.map