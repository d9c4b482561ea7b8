// Where the data came from and where it goes: a recovery holds the rows of the source's backup (up to the
// target time when one is set, none after it), a clone holds the source's rows, a replica cluster is in
// recovery and receives a row written on the source afterwards, an import holds the imported tables, and a
// store receives a WAL segment (pg_stat_archiver, and the object in the stand-in's folder).
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { waitUntil } from '../lifecycle-procs.js';
import { at, isObj, notInForce, type RunningSample, type SampleCheck } from './sample-check.js';
import { sql } from './sample-sql.js';
import { ROWS_AFTER_TARGET, ROWS_BEFORE_TARGET, switchAndArchive } from './source-stand-in.js';

const SOURCE_ROWS = ROWS_BEFORE_TARGET + ROWS_AFTER_TARGET;

/** Whether the sample is a replica cluster (CNPG: replica.enabled, or replica.primary naming another cluster). */
export function isReplicaCluster(spec: Record<string, unknown>, name: string): boolean {
  const replica = spec.replica;
  if (!isObj(replica)) return false;
  if (typeof replica.enabled === 'boolean') return replica.enabled;
  return typeof replica.primary === 'string' && replica.primary !== (typeof replica.self === 'string' ? replica.self : name);
}

async function sourceRows(r: RunningSample): Promise<{ count: number; max: number }> {
  const [count, max] = (await sql(r.sql, 'app', 'SELECT count(*), coalesce(max(id), 0) FROM samples_rows')).split('|').map(Number);
  return { count: count ?? 0, max: max ?? 0 };
}

export const recoveryCheck: SampleCheck = {
  name: 'recovery',
  covers: ['spec.bootstrap.recovery.backup', 'spec.bootstrap.recovery.source', 'spec.bootstrap.recovery.recoveryTarget', 'spec.externalClusters[].barmanObjectStore'],
  async run(r) {
    if (!isObj(at(r.spec, 'bootstrap', 'recovery'))) return ['not checked: spec.externalClusters[].barmanObjectStore (no recovery reads it)'];
    const rows = await sourceRows(r);
    if (typeof at(r.spec, 'bootstrap', 'recovery', 'recoveryTarget', 'targetTime') === 'string') {
      if (rows.count !== ROWS_BEFORE_TARGET || rows.max !== ROWS_BEFORE_TARGET) throw notInForce('spec.bootstrap.recovery.recoveryTarget.targetTime', `recovered ${rows.count} rows up to id ${rows.max}; the target keeps exactly rows 1..${ROWS_BEFORE_TARGET}`);
      return [`recovered to the target time: rows 1..${ROWS_BEFORE_TARGET}, none after`];
    }
    // A replica cluster keeps replaying the source's archive after it is ready (restore_command polls): wait for it.
    let last = rows;
    await waitUntil(async () => (last = await sourceRows(r)).count >= SOURCE_ROWS, 60_000, 'the source\'s archived rows', 250).catch(() => undefined);
    if (last.count < SOURCE_ROWS) throw notInForce('spec.bootstrap.recovery', `recovered ${last.count} rows within 60 s; the source's archive holds ${SOURCE_ROWS}`);
    return [`recovered ${last.count} rows of the source (backup + archived WAL)`];
  },
};

export const cloneCheck: SampleCheck = {
  name: 'pg_basebackup',
  covers: ['spec.bootstrap.pg_basebackup', 'spec.externalClusters[].connectionParameters', 'spec.externalClusters[].password', 'spec.externalClusters[].sslCert', 'spec.externalClusters[].sslKey', 'spec.externalClusters[].sslRootCert'],
  async run(r) {
    if (!isObj(at(r.spec, 'bootstrap', 'pg_basebackup'))) return []; // connection fields used by a replica or an import: their checks say
    const rows = await sourceRows(r);
    if (rows.count < SOURCE_ROWS) throw notInForce('spec.bootstrap.pg_basebackup', `the clone holds ${rows.count} rows of the source's ${SOURCE_ROWS}`);
    return [`cloned ${rows.count} rows of the source`];
  },
};

export const replicaCheck: SampleCheck = {
  name: 'replica cluster',
  covers: ['spec.replica'],
  async run(r) {
    const inRecovery = await sql(r.sql, 'postgres', 'SELECT pg_is_in_recovery()');
    if (!isReplicaCluster(r.spec, r.sample.name)) {
      if (inRecovery !== 'f') throw notInForce('spec.replica', 'this cluster is the primary one of its pair (replica.primary is itself), yet it is in recovery');
      return ['the primary cluster of the pair: not in recovery'];
    }
    if (inRecovery !== 't') throw notInForce('spec.replica', 'a replica cluster, yet not in recovery');
    if (!r.source) throw new Error('no source stand-in');
    const id = await r.source.writeRow();
    await waitUntil(async () => (await sql(r.sql, 'app', `SELECT count(*) FROM samples_rows WHERE id = ${id}`)) === '1', 90_000, `row ${id} written on the source to reach the replica cluster`, 250).catch((err: Error) => {
      throw notInForce('spec.replica', err.message);
    });
    return [`in recovery; row ${id} written on the source arrived`];
  },
};

export const importCheck: SampleCheck = {
  name: 'import',
  covers: ['spec.bootstrap.initdb.import'],
  async run(r) {
    const schemaOnly = at(r.spec, 'bootstrap', 'initdb', 'import', 'schemaOnly') === true;
    const db = r.appDb;
    const exists = await sql(r.sql, db, "SELECT to_regclass('public.samples_rows') IS NOT NULL");
    if (exists !== 't') throw notInForce('spec.bootstrap.initdb.import', `table samples_rows of the source is not in ${db}`);
    const count = Number(await sql(r.sql, db, 'SELECT count(*) FROM samples_rows'));
    if (schemaOnly ? count !== 0 : count < SOURCE_ROWS) throw notInForce('spec.bootstrap.initdb.import', `samples_rows holds ${count} rows (${schemaOnly ? 'schemaOnly: none expected' : `the source has ${SOURCE_ROWS}+`})`);
    return [`imported samples_rows${schemaOnly ? ' (schema only)' : ` with ${count} rows`}`];
  },
};

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const e of entries) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...filesUnder(p));
    else out.push(p);
  }
  return out;
}

export const archiveCheck: SampleCheck = {
  name: 'WAL archiving',
  covers: ['spec.backup.barmanObjectStore.destinationPath', 'spec.backup.barmanObjectStore.endpointURL', 'spec.backup.barmanObjectStore.s3Credentials', 'spec.backup.barmanObjectStore.azureCredentials', 'spec.backup.barmanObjectStore.serverName', 'spec.backup.barmanObjectStore.wal.compression'],
  async run(r) {
    // A replica cluster's designated primary is in recovery (no WAL switch): with archive_mode = always it archives
    // the WAL it restores or receives from its source.
    const replica = (await sql(r.sql, 'postgres', 'SELECT pg_is_in_recovery()')) === 't';
    const archived = (): Promise<string> =>
      waitUntil(async () => (await sql(r.sql, 'postgres', "SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver")) || undefined, 90_000, 'a WAL archived by the designated primary', 500);
    const segment = await (replica ? archived() : switchAndArchive(r.sql, 90_000)).catch(async (err: Error) => {
      const failed = await sql(r.sql, 'postgres', "SELECT failed_count || ' failed, last ' || coalesce(last_failed_wal, '-') FROM pg_stat_archiver");
      throw notInForce('spec.backup.barmanObjectStore', `${err.message} (${failed})`);
    });
    const store = at(r.spec, 'backup', 'barmanObjectStore') as Record<string, unknown>;
    if (!String(store.destinationPath).startsWith('s3://')) return [`segment ${segment} archived (pg_stat_archiver; an Azurite store is not looked into)`];
    const server = typeof store.serverName === 'string' ? store.serverName : r.sample.name;
    const files = filesUnder(join(r.s3.dir, r.s3.bucket, r.s3.prefix, server, 'wals')).filter((f) => f.includes(segment));
    if (files.length === 0) throw notInForce('spec.backup.barmanObjectStore', `segment ${segment} is not in s3://${r.s3.bucket}/${r.s3.prefix}/${server}/wals`);
    const gzip = at(store, 'wal', 'compression') === 'gzip';
    if (gzip && !files.some((f) => f.includes(`${segment}.gz`))) throw notInForce('spec.backup.barmanObjectStore.wal.compression', `segment ${segment} is stored as ${files.join(', ')}, not .gz`);
    return [`${replica ? 'replica cluster: ' : ''}segment ${segment} archived into s3://${r.s3.bucket}/${r.s3.prefix}/${server}/wals${gzip ? ' (gzip)' : ''}`];
  },
};
