// The source stand-in of the samples' externalClusters: one manager, Cluster `cluster-example` (the name most
// samples point at), with what the samples expect of their source: superuser access with a password, the
// `app` owner, CNPG's streaming_replica certificate, a client certificate for `app`, an archive and a completed
// base backup in the shared s3rver, an online volume snapshot taken beside it (snapshot-stand-in.ts), and rows
// written before and after a noted time (for point-in-time targets).
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { startManager, tempDir, type ManagerHandle } from '../manager.js';
import { cleanupDir, waitUntil } from '../lifecycle-procs.js';
import { runManagerCommand } from '../lifecycle-writer.js';
import { S3_KEY } from '../s3-server.js';
import { issueCertificate, type PemPair } from './openssl-certs.js';
import { sql, type SqlTarget } from './sample-sql.js';
import { takeSourceSnapshot, type SourceSnapshot } from './snapshot-stand-in.js';

export const SOURCE_NAME = 'cluster-example';
/** The Secret holding the source's store key (named in its Backup's status, so recovering samples get it too). */
export const SOURCE_STORE_SECRET = 'source-objectstore';
/** Rows 1..ROWS_BEFORE_TARGET are committed before targetTime, the next ROWS_AFTER_TARGET after it. */
export const ROWS_IN_BACKUP = 100;
/** The volume snapshot is taken beside the base backup: it holds the same rows. */
export const ROWS_IN_SNAPSHOT = ROWS_IN_BACKUP;
export const ROWS_BEFORE_TARGET = 200;
export const ROWS_AFTER_TARGET = 100;
/**
 * Connections that authenticate `app` by certificate go to (and so come from) the IPv6 loopback: the source's
 * pg_hba says `cert` for `app` from ::1 and a password from 127.0.0.1 (the basic-auth samples). pg_hba matches
 * the client's address only, never the one it connected to, and an IPv4 loopback client always leaves from
 * 127.0.0.1 (the route's source), whatever 127.x address it dials; libpq cannot bind a source address.
 */
export const CERT_CLIENT_ADDRESS = '::1';

export interface SourceStandIn {
  handle: ManagerHandle;
  sql: SqlTarget;
  port: number;
  /** The object store as a recovering sample must name it. */
  store: { destinationPath: string; serverName: string };
  /** The Backup object the source wrote (status completed), copied as the Backup a sample names. */
  backup: Record<string, unknown>;
  /** PGDATA and WAL copies taken online (rows 1..ROWS_IN_SNAPSHOT), for the samples' VolumeSnapshots. */
  snapshot: SourceSnapshot;
  /** pg_control_system().system_identifier: what a physical copy of the source keeps. */
  systemIdentifier: string;
  /** A time after row ROWS_BEFORE_TARGET and before the next (RFC 3339). */
  targetTime: string;
  superuserPassword: string;
  appPassword: string;
  ca: string;
  replication: PemPair;
  appClient: PemPair;
  /** Inserts the next row into samples_rows and switches WAL (so archive followers see it too); returns its id. */
  writeRow(): Promise<number>;
  stop(): Promise<void>;
}

function secret(stateDir: string, name: string, data: Record<string, string>): void {
  const dir = join(stateDir, 'secrets', name);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  for (const [k, v] of Object.entries(data)) writeFileSync(join(dir, k), v, { mode: 0o600 });
}

function chownPostgres(path: string): Promise<void> {
  return new Promise((resolve, reject) => execFile('chown', ['-R', 'postgres:postgres', path], (err) => (err ? reject(new Error(`chown ${path}: ${err.message}`)) : resolve())));
}

function sourceManifest(s3Endpoint: string, bucket: string): string {
  return `apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata:
  name: ${SOURCE_NAME}
spec:
  instances: 1
  smartShutdownTimeout: 5
  stopDelay: 30
  enableSuperuserAccess: true
  postgresql:
    pg_hba:
      - hostssl replication postgres 127.0.0.1/32 scram-sha-256
      - hostssl all app ${CERT_CLIENT_ADDRESS}/128 cert
  bootstrap:
    initdb:
      database: app
      owner: app
  backup:
    barmanObjectStore:
      destinationPath: s3://${bucket}/source
      endpointURL: ${s3Endpoint}
      serverName: ${SOURCE_NAME}
      s3Credentials:
        accessKeyId: { name: ${SOURCE_STORE_SECRET}, key: ACCESS_KEY_ID }
        secretAccessKey: { name: ${SOURCE_STORE_SECRET}, key: ACCESS_SECRET_KEY }
`;
}

/** Starts the source, writes its rows, takes its base backup and archives past the target time. */
export async function startSourceStandIn(s3Endpoint: string, bucket: string): Promise<SourceStandIn> {
  const dir = tempDir('pgim-samples-source-');
  const stateDir = join(dir, 'state');
  const superuserPassword = randomBytes(18).toString('base64url');
  secret(stateDir, `${SOURCE_NAME}-superuser`, { username: 'postgres', password: superuserPassword });
  secret(stateDir, SOURCE_STORE_SECRET, { ACCESS_KEY_ID: S3_KEY, ACCESS_SECRET_KEY: S3_KEY });
  await chownPostgres(dir);
  const handle = await startManager({ dir, manifestText: sourceManifest(s3Endpoint, bucket), extraArgs: ['--listen-addresses', `127.0.0.1,${CERT_CLIENT_ADDRESS}`] });
  try {
    const ready = await handle.waitForLine((l) => l.msg === 'instance ready', 120_000, 'source stand-in ready');
    const target: SqlTarget = { socketDir: String(ready.socketDir), port: handle.port };
    await sql(target, 'app', `CREATE TABLE samples_rows (id int PRIMARY KEY, at timestamptz NOT NULL DEFAULT clock_timestamp()); ALTER TABLE samples_rows OWNER TO app; INSERT INTO samples_rows (id) SELECT generate_series(1, ${ROWS_IN_BACKUP})`);
    const backupName = 'samples-source-base';
    // The base backup and the volume snapshot side by side (two online backups; no row is written meanwhile).
    const [run, snapshot] = await Promise.all([runManagerCommand(['backup', backupName], handle, 180_000), takeSourceSnapshot(handle, SOURCE_NAME, join(dir, 'snapshots'))]);
    if (run.code !== 0) throw new Error(`source backup: ${run.stderr}`);
    const backup = await waitUntil(() => {
      try {
        const b = JSON.parse(readFileSync(join(stateDir, 'backups', `${backupName}.json`), 'utf8')) as { status?: { phase?: string } };
        return b.status?.phase === 'completed' || b.status?.phase === 'failed' ? b : false;
      } catch {
        return false;
      }
    }, 180_000, 'the source backup', 200);
    if (backup.status?.phase !== 'completed') throw new Error(`source backup ended ${JSON.stringify(backup.status)}`);
    await sql(target, 'app', `INSERT INTO samples_rows (id) SELECT generate_series(${ROWS_IN_BACKUP + 1}, ${ROWS_BEFORE_TARGET})`);
    const targetTime = await sql(target, 'app', `SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`);
    // The next commit must be strictly later than the target (clock_timestamp moves on; no sleep needed beyond that).
    await waitUntil(async () => (await sql(target, 'app', `SELECT clock_timestamp() > '${targetTime}'::timestamptz`)) === 't', 5000, 'the clock past the target time');
    await sql(target, 'app', `INSERT INTO samples_rows (id) SELECT generate_series(${ROWS_BEFORE_TARGET + 1}, ${ROWS_BEFORE_TARGET + ROWS_AFTER_TARGET})`);
    await switchAndArchive(target);
    const ca = readFileSync(join(stateDir, 'secrets', `${SOURCE_NAME}-ca`, 'ca.crt'), 'utf8');
    const caKey = readFileSync(join(stateDir, 'secrets', `${SOURCE_NAME}-ca`, 'ca.key'), 'utf8');
    const replication = { cert: readFileSync(join(stateDir, 'secrets', `${SOURCE_NAME}-replication`, 'tls.crt'), 'utf8'), key: readFileSync(join(stateDir, 'secrets', `${SOURCE_NAME}-replication`, 'tls.key'), 'utf8') };
    const appClient = await issueCertificate({ commonName: 'app', usages: ['client auth'], issuer: { cert: ca, key: caKey } });
    let nextId = ROWS_BEFORE_TARGET + ROWS_AFTER_TARGET;
    return {
      handle,
      sql: target,
      port: handle.port,
      store: { destinationPath: `s3://${bucket}/source`, serverName: SOURCE_NAME },
      backup: backup,
      snapshot,
      systemIdentifier: await sql(target, 'postgres', 'SELECT system_identifier FROM pg_control_system()'),
      targetTime,
      superuserPassword,
      appPassword: readFileSync(join(stateDir, 'secrets', `${SOURCE_NAME}-app`, 'password'), 'utf8'),
      ca,
      replication,
      appClient,
      async writeRow() {
        nextId += 1;
        await sql(target, 'app', `INSERT INTO samples_rows (id) VALUES (${nextId})`);
        await sql(target, 'postgres', 'SELECT pg_switch_wal()');
        return nextId;
      },
      async stop() {
        await handle.stop(30_000);
        await cleanupDir(dir);
      },
    };
  } catch (err) {
    await handle.stop(30_000);
    await cleanupDir(dir);
    throw err;
  }
}

/** Closes the current WAL segment and waits until the archiver has shipped it. */
export async function switchAndArchive(t: SqlTarget, timeoutMs = 60_000): Promise<string> {
  const segment = await sql(t, 'postgres', 'SELECT pg_walfile_name(pg_switch_wal())');
  await waitUntil(async () => {
    const last = await sql(t, 'postgres', 'SELECT coalesce(last_archived_wal, \'\') FROM pg_stat_archiver');
    return last >= segment && last !== '';
  }, timeoutMs, `WAL segment ${segment} archived`, 200);
  return segment;
}
