// spec.postgresql as postgres itself reports it: each parameter by SHOW (allowing PostgreSQL's own
// normalisation of units and booleans, and CNPG's preloading of pg_stat_statements/auto_explain when one of
// their settings is given), each pg_hba line in pg_hba_file_rules in the sample's order, and
// synchronous_standby_names by CNPG's rules (pkg/postgres/replication/explicit.go, legacy.go) for what this
// run has: the primary alone, no standby streaming.
import { at, isObj, notInForce, type Obj, type SampleCheck } from './sample-check.js';
import { sqlJson } from './sample-sql.js';

const MEMORY: Record<string, number> = { B: 1, kB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4 };
const TIME: Record<string, number> = { us: 0.001, ms: 1, s: 1000, min: 60_000, h: 3_600_000, d: 86_400_000 };
const TRUE = new Set(['on', 'true', 'yes', '1']);
const FALSE = new Set(['off', 'false', 'no', '0']);

/** `value` in the base unit of a pg_settings unit such as "8kB" or "ms"; undefined when not a number. */
function inBase(value: string, unit: string | null): number | undefined {
  const m = /^(-?[\d.]+)([a-zA-Z]*)$/.exec(value.replace(/\s+/g, ''));
  if (!m) return undefined;
  const n = Number(m[1]);
  const u = m[2] ?? '';
  const unitMatch = /^(\d*)(\w+)$/.exec(unit ?? '');
  const unitName = unitMatch?.[2] ?? '';
  const scale = (name: string): number | undefined => MEMORY[name] ?? TIME[name]; // eslint-disable-line security/detect-object-injection
  if (u === '') return unit ? n * Number(unitMatch?.[1] || 1) * (scale(unitName) ?? 1) : n;
  return scale(u) === undefined ? undefined : n * (scale(u) ?? 1);
}

function sameSetting(expected: string, row: { current: string; setting: string; unit: string | null; vartype: string }): boolean {
  if (row.current === expected || row.current.toLowerCase() === expected.toLowerCase()) return true;
  const e = expected.toLowerCase();
  if (row.vartype === 'bool') return (TRUE.has(e) && row.current === 'on') || (FALSE.has(e) && row.current === 'off');
  if (row.vartype === 'integer' || row.vartype === 'real') {
    const want = inBase(expected, row.unit);
    const have = inBase(row.setting, row.unit);
    return want !== undefined && have !== undefined && Math.abs(want - have) < 1e-6 * Math.max(1, Math.abs(want));
  }
  return false;
}

export const parametersCheck: SampleCheck = {
  name: 'parameters',
  covers: ['spec.postgresql.parameters'],
  async run(r) {
    const params = at(r.spec, 'postgresql', 'parameters') as Obj;
    const names = Object.keys(params);
    const rows = await sqlJson<{ name: string; current: string | null; setting: string; unit: string | null; vartype: string }[]>(
      r.sql, 'postgres',
      `SELECT json_agg(json_build_object('name', n, 'current', current_setting(n, true), 'setting', coalesce(s.setting, current_setting(n, true)), 'unit', s.unit, 'vartype', coalesce(s.vartype, 'string'))) FROM unnest(ARRAY[${names.map((n) => `'${n.replace(/'/g, "''")}'`).join(',')}]::text[]) n LEFT JOIN pg_settings s ON s.name = n`,
    );
    const preload = (await sqlJson<string>(r.sql, 'postgres', "SELECT to_json(current_setting('shared_preload_libraries'))")).split(',').map((s) => s.trim());
    for (const name of names) {
      const expected = String(params[name]); // eslint-disable-line security/detect-object-injection
      const row = rows.find((x) => x.name === name);
      if (!row || row.current === null) throw notInForce(`spec.postgresql.parameters.${name}`, 'postgres does not know it (SHOW fails)');
      if (!sameSetting(expected, { ...row, current: row.current })) throw notInForce(`spec.postgresql.parameters.${name}`, `SHOW says "${row.current}", the sample "${expected}"`);
      const library = /^(pg_stat_statements|auto_explain)\./.exec(name)?.[1];
      if (library && !preload.includes(library)) throw notInForce(`spec.postgresql.parameters.${name}`, `${library} is not in shared_preload_libraries (${preload.join(',')})`);
    }
    return [`${names.length} parameters as SHOW reports them`];
  },
};

interface HbaRule { line: number; type: string; database: string[] | null; user: string[] | null; address: string | null; netmask: string | null; method: string | null; error: string | null }

function netmaskOf(bits: number): string {
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return [24, 16, 8, 0].map((s) => (mask >>> s) & 255).join('.');
}

function ruleMatches(line: string, rule: HbaRule): boolean {
  const t = line.trim().split(/\s+/);
  const [type, db, user] = t;
  if (rule.type !== type || rule.database?.join(',') !== db || rule.user?.join(',') !== user) return false;
  if (type === 'local') return rule.method === t[3];
  const address = t[3] ?? '';
  const cidr = /^([\d.]+)\/(\d+)$/.exec(address);
  if (cidr) return rule.address === cidr[1] && rule.netmask === netmaskOf(Number(cidr[2])) && rule.method === t[4];
  return rule.address === address && rule.method === t[4];
}

export const pgHbaCheck: SampleCheck = {
  name: 'pg_hba',
  covers: ['spec.postgresql.pg_hba'],
  async run(r) {
    const lines = (at(r.spec, 'postgresql', 'pg_hba') as unknown[]).map(String);
    const rules = (await sqlJson<HbaRule[] | null>(r.sql, 'postgres', "SELECT json_agg(json_build_object('line', line_number, 'type', type, 'database', database, 'user', user_name, 'address', address, 'netmask', netmask, 'method', auth_method, 'error', error) ORDER BY line_number) FROM pg_hba_file_rules")) ?? [];
    const broken = rules.filter((x) => x.error !== null);
    if (broken.length > 0) throw notInForce('spec.postgresql.pg_hba', `pg_hba_file_rules reports errors: ${broken.map((b) => `line ${b.line}: ${b.error ?? ''}`).join('; ')}`);
    const notes: string[] = [];
    let last = 0;
    for (const line of lines) {
      if (/\$\{podselector:/.test(line)) {
        // CNPG expands it to the IPs of the pods the selector matches (status.podSelectorRefs): none run here.
        notes.push(`"${line}": no pods match here, so CNPG writes no rule for it`);
        continue;
      }
      const rule = rules.find((x) => x.line > last && ruleMatches(line, x));
      if (!rule) throw notInForce('spec.postgresql.pg_hba', `"${line}" is not among the rules in force (in order) after line ${last}`);
      last = rule.line;
    }
    return [`${lines.length} lines in force, in order`, ...notes];
  },
};

export const synchronousCheck: SampleCheck = {
  name: 'synchronous',
  covers: ['spec.postgresql.synchronous.method', 'spec.postgresql.synchronous.number', 'spec.postgresql.synchronous.dataDurability', 'spec.postgresql.synchronous.standbyNamesPre', 'spec.postgresql.synchronous.standbyNamesPost', 'spec.postgresql.synchronous.maxStandbyNamesFromCluster', 'spec.minSyncReplicas', 'spec.maxSyncReplicas', 'spec.postgresql.syncReplicaElectionConstraint'],
  async run(r) {
    const value = await sqlJson<string>(r.sql, 'postgres', "SELECT to_json(current_setting('synchronous_standby_names'))");
    const s = at(r.spec, 'postgresql', 'synchronous');
    const self = `${r.sample.name}-1`;
    if (!isObj(s)) {
      // Legacy min/maxSyncReplicas: N falls to the ready standbys (none here), and N = 0 leaves it unset.
      if (value !== '') throw notInForce('spec.minSyncReplicas', `with no standby ready CNPG leaves synchronous_standby_names unset; it is "${value}"`);
      return ['legacy quorum with no standby ready: synchronous_standby_names unset, as CNPG renders it'];
    }
    if (s.dataDurability === 'preferred') {
      if (value !== '') throw notInForce('spec.postgresql.synchronous.dataDurability', `preferred with no healthy standby: unset in CNPG, here "${value}"`);
      return ['dataDurability preferred, no standby: unset'];
    }
    const m = /^(ANY|FIRST) (\d+) \((.*)\)$/.exec(value);
    const method = s.method === 'first' ? 'FIRST' : 'ANY';
    if (!m || m[1] !== method || Number(m[2]) !== Number(s.number)) throw notInForce('spec.postgresql.synchronous', `synchronous_standby_names is "${value}", expected ${method} ${String(s.number)} (...)`);
    const names = (m[3] ?? '').split(',').map((n) => n.trim().replace(/^"|"$/g, ''));
    const pre = Array.isArray(s.standbyNamesPre) ? s.standbyNamesPre.map(String) : [];
    const post = Array.isArray(s.standbyNamesPost) ? s.standbyNamesPost.map(String) : [];
    const fromCluster = names.slice(pre.length, names.length - post.length);
    const others = fromCluster.filter((n) => n !== self);
    const instanceName = (n: string): boolean => n.startsWith(`${r.sample.name}-`) && /^\d+$/.test(n.slice(r.sample.name.length + 1));
    if (fromCluster.at(-1) !== self || !others.every(instanceName)) {
      throw notInForce('spec.postgresql.synchronous', `"${value}": CNPG lists this cluster's standbys, then the primary ${self} last, so writes wait rather than go asynchronous`);
    }
    return [`synchronous_standby_names = ${value}`];
  },
};
