// Roles, certificates, probes and metrics as a client sees them: managed roles by their pg_roles attributes,
// comment, memberships and password; a cert-manager server certificate by a verify-full handshake to a name it
// carries, and the replication certificate by logging in with it; the probes' endpoints answering 200; each
// custom query's metrics on the metrics port.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { scrape } from '../metrics-scrape.js';
import { statusRequest } from '../status-client.js';
import { at, isObj, notInForce, type RunningSample, type SampleCheck } from './sample-check.js';
import { sql, sqlJson, sqlOverTcp } from './sample-sql.js';
import { tcpLogin } from './checks-initdb.js';

const lit = (s: string): string => `'${s.replace(/'/g, "''")}'`;
const ROLE_FLAGS: Record<string, string> = { login: 'rolcanlogin', superuser: 'rolsuper', createdb: 'rolcreatedb', createrole: 'rolcreaterole', inherit: 'rolinherit', replication: 'rolreplication', bypassrls: 'rolbypassrls' };

export const managedRolesCheck: SampleCheck = {
  name: 'managed roles',
  covers: ['spec.managed.roles'],
  async run(r) {
    const notes: string[] = [];
    for (const role of (at(r.spec, 'managed', 'roles') as unknown[]).filter(isObj)) {
      const name = String(role.name);
      const row = await sqlJson<Record<string, unknown> | null>(r.sql, 'postgres', `SELECT to_jsonb(a) || jsonb_build_object('comment', shobj_description(a.oid, 'pg_authid'), 'member_of', (SELECT coalesce(jsonb_agg(pg_get_userbyid(roleid)), '[]') FROM pg_auth_members WHERE member = a.oid), 'valid_epoch', extract(epoch FROM rolvaliduntil)) FROM pg_roles a WHERE rolname = ${lit(name)}`);
      if (role.ensure === 'absent') {
        if (row) throw notInForce(`spec.managed.roles ${name}`, 'ensure: absent, yet the role exists');
        continue;
      }
      if (!row) throw notInForce(`spec.managed.roles ${name}`, 'no such role');
      for (const [field, column] of Object.entries(ROLE_FLAGS)) {
        if (typeof role[field] === 'boolean' && row[column] !== role[field]) throw notInForce(`spec.managed.roles ${name}.${field}`, `${column} is ${String(row[column])}`); // eslint-disable-line security/detect-object-injection
      }
      if (typeof role.connectionLimit === 'number' && row.rolconnlimit !== role.connectionLimit) throw notInForce(`spec.managed.roles ${name}.connectionLimit`, `rolconnlimit is ${String(row.rolconnlimit)}`);
      if (typeof role.comment === 'string' && row.comment !== role.comment) throw notInForce(`spec.managed.roles ${name}.comment`, `the comment is ${String(row.comment)}`);
      if (typeof role.validUntil === 'string' && Number(row.valid_epoch) * 1000 !== Date.parse(role.validUntil)) throw notInForce(`spec.managed.roles ${name}.validUntil`, `rolvaliduntil is ${String(row.rolvaliduntil)}`);
      const memberOf = (row.member_of as string[]).sort().join(',');
      if (Array.isArray(role.inRoles) && memberOf !== role.inRoles.map(String).sort().join(',')) throw notInForce(`spec.managed.roles ${name}.inRoles`, `member of ${memberOf || 'nothing'}`);
      if (isObj(role.passwordSecret) && role.login === true) {
        const password = readFileSync(join(r.stateDir, 'secrets', String(role.passwordSecret.name), 'password'), 'utf8');
        await tcpLogin(r, name, password, 'postgres').catch((err: Error) => {
          throw notInForce(`spec.managed.roles ${name}.passwordSecret`, `cannot log in with it: ${err.message}`);
        });
      }
      notes.push(`role ${name} as declared`);
    }
    return notes;
  },
};

function secretFile(r: RunningSample, name: string, key: string): string {
  return join(r.stateDir, 'secrets', name, key);
}

export const certificatesCheck: SampleCheck = {
  name: 'certificates',
  covers: ['spec.certificates'],
  async run(r) {
    const c = at(r.spec, 'certificates') as Record<string, unknown>;
    const notes: string[] = [];
    const server = typeof c.serverTLSSecret === 'string' ? c.serverTLSSecret : undefined;
    if (server) {
      const caSecret = typeof c.serverCASecret === 'string' ? c.serverCASecret : server;
      const text = readFileSync(secretFile(r, server, 'tls.crt'), 'utf8');
      const name = new (await import('node:crypto')).X509Certificate(text).subjectAltName?.split(',')[0]?.trim().replace(/^DNS:/, '') ?? 'localhost';
      const password = readFileSync(secretFile(r, `${r.sample.name}-app`, 'password'), 'utf8');
      await sqlOverTcp(`host=${name} hostaddr=127.0.0.1 port=${r.handle.port} dbname=${r.appDb} user=${r.appOwner} sslmode=verify-full sslrootcert=${secretFile(r, caSecret, 'ca.crt')} connect_timeout=10`, 'SELECT 1', password).catch((err: Error) => {
        throw notInForce('spec.certificates.serverTLSSecret', `verify-full to ${name} with ${caSecret}'s CA: ${err.message}`);
      });
      notes.push(`server certificate of Secret ${server} verified against ${caSecret} as ${name}`);
    }
    const replication = typeof c.replicationTLSSecret === 'string' ? c.replicationTLSSecret : undefined;
    if (replication) {
      // The key file must be private to the client (libpq refuses a world-readable key).
      const key = join(r.handle.dir, 'replication-client.key');
      writeFileSync(key, readFileSync(secretFile(r, replication, 'tls.key')), { mode: 0o600 });
      await sqlOverTcp(`host=127.0.0.1 port=${r.handle.port} dbname=postgres user=streaming_replica sslmode=require sslcert=${secretFile(r, replication, 'tls.crt')} sslkey=${key} connect_timeout=10`, 'SELECT 1').catch((err: Error) => {
        throw notInForce('spec.certificates.replicationTLSSecret', `streaming_replica cannot log in with it (client CA ${String(c.clientCASecret)}): ${err.message}`);
      });
      notes.push(`streaming_replica logs in with Secret ${replication}'s certificate`);
    }
    return notes;
  },
};

export const probesCheck: SampleCheck = {
  name: 'probes',
  covers: ['spec.probes'],
  async run(r) {
    for (const path of ['/startupz', '/readyz']) {
      const res = await statusRequest({ port: r.handle.statusPort, path });
      if (res.status !== 200) throw notInForce('spec.probes', `${path} answers ${res.status}`);
    }
    return ['/startupz and /readyz answer 200'];
  },
};

export const monitoringCheck: SampleCheck = {
  name: 'monitoring',
  covers: ['spec.monitoring.customQueriesConfigMap', 'spec.monitoring.customQueriesSecret'],
  async run(r) {
    const names: string[] = [];
    for (const [field, folder] of [['customQueriesConfigMap', 'configmaps'], ['customQueriesSecret', 'secrets']] as const) {
      for (const ref of ((at(r.spec, 'monitoring', field) as unknown[] | undefined) ?? []).filter(isObj)) {
        const queries = parse(readFileSync(join(r.stateDir, folder, String(ref.name), String(ref.key)), 'utf8')) as Record<string, unknown>;
        names.push(...Object.keys(queries));
      }
    }
    // A query over user tables has rows only once there is one.
    await sql(r.sql, r.appDb, 'CREATE TABLE IF NOT EXISTS samples_metrics_probe (i int)');
    const body = (await scrape(r.handle.metricsPort)).body;
    const missing = names.filter((n) => !body.includes(`cnpg_${n}_`));
    if (missing.length > 0) throw notInForce('spec.monitoring', `no cnpg_<query>_* metrics for ${missing.join(', ')}`);
    return [`metrics of ${names.join(', ')}`];
  },
};
