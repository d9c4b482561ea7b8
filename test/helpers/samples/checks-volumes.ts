// Separate volumes as the instance shows them: with walStorage, PGDATA/pg_wal is a symlink into a folder outside
// PGDATA (CNPG mounts the WAL volume at /var/lib/postgresql/wal and links pg_wal there); each tablespace exists
// in pg_tablespace with a location (and its owner, when named), and a temporary one is in temp_tablespaces.
import { lstatSync, realpathSync } from 'node:fs';
import { join, relative } from 'node:path';
import { isObj, notInForce, type SampleCheck } from './sample-check.js';
import { sqlJson } from './sample-sql.js';

export const walStorageCheck: SampleCheck = {
  name: 'walStorage',
  covers: ['spec.walStorage'],
  run(r) {
    const link = join(r.pgData, 'pg_wal');
    if (!lstatSync(link).isSymbolicLink()) return Promise.reject(notInForce('spec.walStorage', `${link} is a folder, not a link to the WAL volume`));
    const target = realpathSync(link);
    if (!relative(realpathSync(r.pgData), target).startsWith('..')) return Promise.reject(notInForce('spec.walStorage', `pg_wal points inside PGDATA (${target})`));
    return Promise.resolve([`pg_wal -> ${target}`]);
  },
};

interface TablespaceSpec { name: string; owner?: string; temporary: boolean }

// The current list form, and the map form of older samples (name -> configuration).
function tablespaces(v: unknown): TablespaceSpec[] {
  const entries: [string, unknown][] = Array.isArray(v) ? v.map((t) => [isObj(t) ? String(t.name) : '', t]) : isObj(v) ? Object.entries(v) : [];
  return entries.map(([name, t]) => {
    const owner = isObj(t) && isObj(t.owner) && typeof t.owner.name === 'string' ? t.owner.name : undefined;
    return { name, temporary: isObj(t) && t.temporary === true, ...(owner ? { owner } : {}) };
  });
}

export const tablespacesCheck: SampleCheck = {
  name: 'tablespaces',
  covers: ['spec.tablespaces[].name', 'spec.tablespaces[].owner', 'spec.tablespaces[].temporary', 'spec.tablespaces.*.owner', 'spec.tablespaces.*.temporary'],
  async run(r) {
    const rows = (await sqlJson<{ name: string; owner: string; location: string }[] | null>(r.sql, 'postgres', "SELECT json_agg(json_build_object('name', spcname, 'owner', pg_get_userbyid(spcowner), 'location', pg_tablespace_location(oid))) FROM pg_tablespace")) ?? [];
    const temp = (await sqlJson<string>(r.sql, 'postgres', "SELECT to_json(current_setting('temp_tablespaces'))")).split(',').map((s) => s.trim().replace(/^"|"$/g, ''));
    const wanted = tablespaces(r.spec.tablespaces);
    for (const t of wanted) {
      const row = rows.find((x) => x.name === t.name);
      if (!row || row.location === '') throw notInForce(`spec.tablespaces ${t.name}`, 'not in pg_tablespace with a location');
      if (t.owner && row.owner !== t.owner) throw notInForce(`spec.tablespaces ${t.name}.owner`, `owned by ${row.owner}`);
      if (t.temporary && !temp.includes(t.name)) throw notInForce(`spec.tablespaces ${t.name}.temporary`, `not in temp_tablespaces (${temp.join(',')})`);
    }
    return [`${wanted.length} tablespaces: ${wanted.map((t) => `${t.name}${t.temporary ? ' (temporary)' : ''}`).join(', ')}`];
  },
};
