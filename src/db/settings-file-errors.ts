// pg_file_settings, like pg_hba_file_rules, parses the configuration files ON DISK at query time (PostgreSQL
// docs, "pg_file_settings"), so a freshly written custom.conf can be checked before the reload puts it in
// force: an invalid value would otherwise be logged by postgres at reload and make the next start fail.
// The view only says "setting could not be applied", also for a valid change of a restart-only parameter,
// so each such row is tried once more to tell the two apart and to get postgres's own reason.
import { basename } from 'node:path';
import type pg from 'pg';
import type { Pool } from './pool.js';
import { sqlState } from './sql-text.js';

interface FileSettingRow {
  sourcefile: string | null;
  sourceline: number | null;
  name: string | null;
  setting: string | null;
  error: string;
  context: string | null;
  pending: boolean | null;
}

/** postgres's reason for refusing `value` of a parameter settable in a session: set_config in a rolled-back transaction. */
async function sessionReason(client: pg.Client, name: string, value: string): Promise<string | undefined> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_catalog.set_config($1, $2, true)', [name, value]);
    return undefined;
  } catch (err) {
    // 55P02/42501: not settable in a session (sighup or superuser-only context): no reason to be had this way.
    const code = sqlState(err);
    return code === '55P02' || code === '42501' ? undefined : (err as Error).message;
  } finally {
    await client.query('ROLLBACK');
  }
}

/**
 * The errors postgres finds in the configuration files now on disk, as `custom.conf line N: reason`.
 * A restart-only parameter whose new value parses is not an error (it is reported as pending restart).
 */
export async function settingsFileErrors(pool: Pool): Promise<string[]> {
  // A session of its own: pg_file_settings marks, in this backend only, the restart-only parameters whose new
  // value parses and differs as pending_restart (and leaves the mark of an unparsable one as it was, so a
  // pooled backend could still carry an older mark); the connection is closed afterwards.
  // pg is loaded by then (the pool exists): imported here so this module stays off the start-up path.
  const { default: pgModule } = await import('pg');
  const client = new pgModule.Client({ ...pool.options, connectionTimeoutMillis: 5_000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    // Two statements, in this order: pg_settings must be read after pg_file_settings has set the marks (in one
    // statement the planner may scan either function first).
    const files = await client.query<Omit<FileSettingRow, 'context' | 'pending'>>(
      'SELECT sourcefile, sourceline, name, setting, error FROM pg_catalog.pg_file_settings WHERE error IS NOT NULL',
    );
    if (files.rows.length === 0) return [];
    const names = files.rows.map((r) => r.name?.toLowerCase()).filter((n): n is string => n !== undefined);
    const settings = await client.query<{ name: string; context: string; pending: boolean }>(
      'SELECT name, context, pending_restart AS pending FROM pg_catalog.pg_settings WHERE name = ANY($1)',
      [names],
    );
    const byName = new Map(settings.rows.map((r) => [r.name, r]));
    const rows = files.rows.map((r): FileSettingRow => {
      const s = byName.get(r.name?.toLowerCase() ?? '');
      return { ...r, context: s?.context ?? null, pending: s?.pending ?? null };
    });
    const errors: string[] = [];
    for (const r of rows) {
      const where = `${r.sourcefile ? basename(r.sourcefile) : 'configuration file'} line ${r.sourceline ?? '?'}`;
      if (r.name === null || r.setting === null) {
        errors.push(`${where}: ${r.error}`);
        continue;
      }
      if (r.context === 'postmaster' && r.pending === true) continue;
      const reason = r.context === 'postmaster' ? undefined : await sessionReason(client, r.name, r.setting);
      errors.push(`${where}: ${reason ?? `invalid value for parameter "${r.name}": "${r.setting}" (${r.error})`}`);
    }
    return errors;
  } finally {
    await client.end().catch(() => undefined);
  }
}
