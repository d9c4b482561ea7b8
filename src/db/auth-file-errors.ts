// pg_hba_file_rules and pg_ident_file_mappings parse the files ON DISK at query time (PostgreSQL docs,
// "pg_hba_file_rules"), so a freshly written pg_hba.conf can be checked before postgres is asked to
// reload it: postgres keeps its old rules when the new file has an error, and would not start with it.
import type { Pool } from './pool.js';

/** The parse errors of the current pg_hba.conf and pg_ident.conf, as "pg_hba.conf line N: error". */
export async function authFileErrors(pool: Pool): Promise<string[]> {
  const res = await pool.query<{ file: string; line_number: number | null; error: string }>(
    `SELECT 'pg_hba.conf' AS file, line_number, error FROM pg_catalog.pg_hba_file_rules WHERE error IS NOT NULL
     UNION ALL
     SELECT 'pg_ident.conf', line_number, error FROM pg_catalog.pg_ident_file_mappings WHERE error IS NOT NULL`,
  );
  return res.rows.map((r) => `${r.file} line ${r.line_number ?? '?'}: ${r.error}`);
}
