// Is the primary there, and does it let us replicate? A physical replication connection as streaming_replica
// with its client certificate and IDENTIFY_SYSTEM, as CNPG's join waits for its source
// (pkg/management/postgres/join.go, RetryUntilServerAvailable). The server certificate is verified against
// the server CA without the host name check (libpq sslmode=verify-ca): the `-rw` name or 127.0.0.1 need not
// be in the certificate. node-postgres sends `replication` as a startup parameter
// (https://www.postgresql.org/docs/current/protocol-replication.html).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { TLS_FILES } from '../config/constants.js';

export interface ReplicationTarget {
  host: string;
  port: number;
  applicationName: string;
  /** streaming_replica.crt/.key and server-ca.crt. */
  certificatesDir: string;
  timeoutMs: number;
}

export interface IdentifySystem {
  systemId: string;
  timeline: number;
  xlogpos: string;
}

/** TLS options of a streaming_replica connection: client certificate, server verified against the server CA. */
export async function replicaTls(certificatesDir: string): Promise<{ ca: Buffer; cert: Buffer; key: Buffer; checkServerIdentity: () => undefined }> {
  // eslint-disable-next-line security/detect-non-literal-fs-filename -- controller/certificates
  const read = (name: string): Promise<Buffer> => readFile(join(certificatesDir, name));
  const [ca, cert, key] = await Promise.all([read(TLS_FILES.serverCa), read(TLS_FILES.replicationCert), read(TLS_FILES.replicationKey)]);
  return { ca, cert, key, checkServerIdentity: () => undefined };
}

/** Opens a streaming_replica connection to `target` (physical replication when `replication`). */
export async function replicaClient(target: ReplicationTarget, replication: boolean): Promise<pg.Client> {
  const client = new pg.Client({
    host: target.host,
    port: target.port,
    user: 'streaming_replica',
    database: 'postgres',
    // Certificate authentication: a password request is a misconfigured primary, never a lookup of ours.
    password: () => Promise.reject(new Error('the primary asked streaming_replica for a password: its pg_hba.conf must use cert authentication')),
    application_name: target.applicationName,
    ssl: await replicaTls(target.certificatesDir),
    replication: replication ? 'true' : 'false',
    options: '-c wal_sender_timeout=0',
    connectionTimeoutMillis: target.timeoutMs,
    query_timeout: target.timeoutMs,
  } as pg.ClientConfig);
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

/** IDENTIFY_SYSTEM over a new physical replication connection; rejects with the server's or TLS error. */
export async function identifySystem(target: ReplicationTarget): Promise<IdentifySystem> {
  const client = await replicaClient(target, true);
  try {
    const result = await client.query<{ systemid: string; timeline: number | string; xlogpos: string }>('IDENTIFY_SYSTEM');
    const row = result.rows[0];
    if (row === undefined) throw new Error('IDENTIFY_SYSTEM returned no row');
    return { systemId: String(row.systemid), timeline: Number(row.timeline), xlogpos: String(row.xlogpos) };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** IDENTIFY_SYSTEM and, past timeline 1, TIMELINE_HISTORY of the current timeline, over one replication connection. */
export async function timelineOf(target: ReplicationTarget): Promise<{ systemId: string; timeline: number; history: string | undefined }> {
  const client = await replicaClient(target, true);
  try {
    const id = (await client.query<{ systemid: string; timeline: number | string }>('IDENTIFY_SYSTEM')).rows[0];
    if (id === undefined) throw new Error('IDENTIFY_SYSTEM returned no row');
    const timeline = Number(id.timeline);
    if (timeline <= 1) return { systemId: String(id.systemid), timeline, history: undefined };
    // The walsender sends the file's bytes as `content` (walsender.c SendTimeLineHistory); a bytea parse gives a Buffer.
    const row = (await client.query<{ content: string | Buffer }>(`TIMELINE_HISTORY ${String(timeline)}`)).rows[0];
    return { systemId: String(id.systemid), timeline, history: row === undefined ? undefined : String(row.content) };
  } finally {
    await client.end().catch(() => undefined);
  }
}
