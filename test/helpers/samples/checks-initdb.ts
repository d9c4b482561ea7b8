// spec.bootstrap.initdb and the superuser as the catalog shows them: the database and its owner, encoding,
// collation and ctype (or the ICU locale), data checksums (SHOW data_checksums), the owner's and the
// superuser's passwords from their Secrets (a TCP login), and the effects of postInit*SQL and the SQL of
// postInitApplicationSQLRefs (CNPG pkg/management/postgres/initdb.go runs them in postgres, template1 and
// the application database).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { at, isObj, notInForce, type RunningSample, type SampleCheck } from './sample-check.js';
import { sql, sqlJson, sqlOverTcp } from './sample-sql.js';
import { checkEffects, statements } from './sql-effects.js';

const lit = (s: string): string => `'${s.replace(/'/g, "''")}'`;
// en_US.UTF8 and en_US.UTF-8 name one locale (glibc normalises the codeset).
const locale = (s: string): string => s.toLowerCase().replace(/utf-?8/, 'utf8');

/** A login over TCP (TLS, no verification: the password is what is checked) as `user`. */
export async function tcpLogin(r: RunningSample, user: string, password: string, db: string): Promise<void> {
  await sqlOverTcp(`host=127.0.0.1 port=${r.handle.port} dbname=${db} user=${user} sslmode=require connect_timeout=10`, 'SELECT 1', password);
}

function secretKey(r: RunningSample, name: string, key: string): string {
  return readFileSync(join(r.stateDir, 'secrets', name, key), 'utf8');
}

export const initdbCheck: SampleCheck = {
  name: 'initdb',
  covers: ['spec.bootstrap.initdb.database', 'spec.bootstrap.initdb.owner', 'spec.bootstrap.initdb.encoding', 'spec.bootstrap.initdb.localeCollate', 'spec.bootstrap.initdb.localeCType', 'spec.bootstrap.initdb.locale', 'spec.bootstrap.initdb.localeProvider', 'spec.bootstrap.initdb.icuLocale', 'spec.bootstrap.initdb.icuRules', 'spec.bootstrap.initdb.dataChecksums', 'spec.bootstrap.initdb.secret'],
  async run(r) {
    const i = at(r.spec, 'bootstrap', 'initdb') as Record<string, unknown>;
    const db = r.appDb;
    const row = await sqlJson<Record<string, unknown> | null>(r.sql, 'postgres', `SELECT to_jsonb(d) || jsonb_build_object('owner', pg_get_userbyid(datdba), 'enc', pg_encoding_to_char(encoding)) FROM pg_database d WHERE datname = ${lit(db)}`);
    if (!row) throw notInForce('spec.bootstrap.initdb.database', `database ${db} does not exist`);
    if (row.owner !== r.appOwner) throw notInForce('spec.bootstrap.initdb.owner', `${db} is owned by ${String(row.owner)}, not ${r.appOwner}`);
    const notes = [`database ${db} owned by ${r.appOwner}`];
    if (typeof i.encoding === 'string' && String(row.enc).replace('-', '').toUpperCase() !== i.encoding.replace('-', '').toUpperCase()) throw notInForce('spec.bootstrap.initdb.encoding', `${db} is ${String(row.enc)}`);
    for (const [field, column] of [['localeCollate', 'datcollate'], ['localeCType', 'datctype'], ['locale', 'datcollate']] as const) {
      const want = i[field]; // eslint-disable-line security/detect-object-injection
      if (typeof want === 'string' && locale(String(row[column])) !== locale(want)) throw notInForce(`spec.bootstrap.initdb.${field}`, `${db} has ${column} ${String(row[column])}`); // eslint-disable-line security/detect-object-injection
    }
    if (i.localeProvider === 'icu' && row.datlocprovider !== 'i') throw notInForce('spec.bootstrap.initdb.localeProvider', `datlocprovider is ${String(row.datlocprovider)}`);
    if (typeof i.icuLocale === 'string') {
      const have = row.daticulocale ?? row.datlocale;
      if (have !== i.icuLocale) throw notInForce('spec.bootstrap.initdb.icuLocale', `${db}'s ICU locale is ${String(have)}`);
    }
    if (typeof i.icuRules === 'string') {
      if (!('daticurules' in row)) throw notInForce('spec.bootstrap.initdb.icuRules', 'pg_database has no daticurules: ICU rules need PostgreSQL 16, and this server cannot hold them');
      if (row.daticurules !== i.icuRules) throw notInForce('spec.bootstrap.initdb.icuRules', `${db}'s ICU rules are ${String(row.daticurules)}`);
    }
    const checksums = await sql(r.sql, 'postgres', 'SHOW data_checksums');
    if (i.dataChecksums !== undefined && checksums !== (i.dataChecksums === true ? 'on' : 'off')) throw notInForce('spec.bootstrap.initdb.dataChecksums', `SHOW data_checksums says ${checksums}`);
    if (isObj(i.secret) && typeof i.secret.name === 'string') {
      await tcpLogin(r, r.appOwner, secretKey(r, i.secret.name, 'password'), db).catch((err: Error) => {
        throw notInForce('spec.bootstrap.initdb.secret', `${r.appOwner} cannot log in with the Secret's password: ${err.message}`);
      });
      notes.push(`${r.appOwner} logs in with Secret ${i.secret.name}'s password`);
    }
    return notes;
  },
};

export const postInitSqlCheck: SampleCheck = {
  name: 'postInit SQL',
  covers: ['spec.bootstrap.initdb.postInitSQL', 'spec.bootstrap.initdb.postInitTemplateSQL', 'spec.bootstrap.initdb.postInitApplicationSQL', 'spec.bootstrap.initdb.postInitSQLRefs', 'spec.bootstrap.initdb.postInitTemplateSQLRefs', 'spec.bootstrap.initdb.postInitApplicationSQLRefs'],
  async run(r) {
    const i = at(r.spec, 'bootstrap', 'initdb') as Record<string, unknown>;
    const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);
    const fromRefs = (v: unknown): string[] => {
      if (!isObj(v)) return [];
      const out: string[] = [];
      for (const [kind, folder] of [['configMapRefs', 'configmaps'], ['secretRefs', 'secrets']] as const) {
        for (const ref of Array.isArray(v[kind]) ? (v[kind] as unknown[]) : []) { // eslint-disable-line security/detect-object-injection
          if (isObj(ref)) out.push(...statements(readFileSync(join(r.stateDir, folder, String(ref.name), String(ref.key)), 'utf8')));
        }
      }
      return out;
    };
    const unchecked = [
      ...(await checkEffects(r.sql, 'postgres', 'postInitSQL', [...list(i.postInitSQL), ...fromRefs(i.postInitSQLRefs)])),
      ...(await checkEffects(r.sql, 'template1', 'postInitTemplateSQL', [...list(i.postInitTemplateSQL), ...fromRefs(i.postInitTemplateSQLRefs)])),
      ...(await checkEffects(r.sql, r.appDb, 'postInitApplicationSQL', [...list(i.postInitApplicationSQL), ...fromRefs(i.postInitApplicationSQLRefs)])),
    ];
    return ['post-init SQL effects present', ...unchecked.map((u) => `not checked: ${u}`)];
  },
};

export const superuserCheck: SampleCheck = {
  name: 'superuser',
  covers: ['spec.enableSuperuserAccess', 'spec.superuserSecret'],
  async run(r) {
    if (r.spec.enableSuperuserAccess !== true) {
      const none = await sql(r.sql, 'postgres', "SELECT rolpassword IS NULL FROM pg_authid WHERE rolname = 'postgres'");
      if (none !== 't') throw notInForce('spec.enableSuperuserAccess', 'false, yet postgres has a password');
      return ['postgres has no password'];
    }
    const name = isObj(r.spec.superuserSecret) ? String(r.spec.superuserSecret.name) : `${r.sample.name}-superuser`;
    await tcpLogin(r, 'postgres', readFileSync(join(r.stateDir, 'secrets', name, 'password'), 'utf8'), 'postgres').catch((err: Error) => {
      throw notInForce('spec.superuserSecret', `postgres cannot log in with Secret ${name}'s password: ${err.message}`);
    });
    return [`postgres logs in with Secret ${name}'s password`];
  },
};
