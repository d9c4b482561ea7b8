// An online backup held open through the manager's /pg/mode/backup, as CNPG's operator holds one while the
// CSI driver snapshots the volumes (pkg/reconciler/backup/volumesnapshot/online.go): register an operator
// client certificate in the status file, POST, wait for phase `started`, take the copies, PUT, wait for
// `completed` and hand back the backup_label and tablespace_map that pg_backup_stop returned.
import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ManagerHandle } from './manager.js';
import { statusRequest, waitForStatus, type StatusRequest } from './status-client.js';
import { createCa, createClientCert } from '../../src/tls/generate.js';

export interface HeldBackup {
  /** backup_label's content (empty when pg_backup_stop returned none). */
  labelFile: Buffer;
  /** tablespace_map's content (empty without tablespaces). */
  spcmapFile: Buffer;
  beginLSN: string;
  endLSN: string;
}

interface BackupData {
  phase?: string;
  labelFile?: string;
  spcmapFile?: string;
  beginLSN?: string;
  endLSN?: string;
}

/** Registers a new operator client certificate for `h` (the status file's fingerprint) and returns requests to /pg/mode/backup. */
export async function operatorBackupRequest(h: ManagerHandle, cluster: string): Promise<StatusRequest> {
  const operatorCa = await createCa({ commonName: 'operator-ca' });
  const operator = await createClientCert({ ca: operatorCa, commonName: 'cnpg-operator' });
  const statusPath = join(h.stateDir, 'status.json');
  const current = JSON.parse(readFileSync(statusPath, 'utf8')) as Record<string, unknown>;
  // The operator's certificate is pinned by the SHA-256 of its public key (CNPG webserver/remote.go).
  const fingerprint = createHash('sha256').update(new X509Certificate(operator.certPem).publicKey.export({ type: 'spki', format: 'der' })).digest('hex');
  writeFileSync(`${statusPath}.tmp`, JSON.stringify({ ...current, operatorCertificateFingerprint: fingerprint }));
  renameSync(`${statusPath}.tmp`, statusPath);
  const ca = readFileSync(join(h.stateDir, 'secrets', `${cluster}-ca`, 'ca.crt'), 'utf8');
  const req: StatusRequest = { port: h.statusPort, path: '/pg/mode/backup', ca, cert: operator.certPem, key: operator.keyPem };
  await waitForStatus(req, (r) => r.status === 200, 15_000, 'the registered operator fingerprint');
  return req;
}

const dataOf = (body: string): BackupData => (JSON.parse(body) as { data?: BackupData }).data ?? {};

/** Starts an online backup named `name`, runs `during` while it is held, stops it and returns what it handed back. */
export async function holdOnlineBackup(req: StatusRequest, name: string, during: () => Promise<void>, waitForArchive = true): Promise<HeldBackup> {
  const posted = await statusRequest({ ...req, method: 'POST', body: JSON.stringify({ backupName: name, immediateCheckpoint: true, waitForArchive }) });
  if (posted.status !== 200) throw new Error(`POST /pg/mode/backup ${name}: ${posted.status} ${posted.body}`);
  await waitForStatus(req, (r) => dataOf(r.body).phase === 'started', 30_000, `backup mode ${name} started`);
  await during();
  const put = await statusRequest({ ...req, method: 'PUT', body: JSON.stringify({ backupName: name }) });
  if (put.status !== 200) throw new Error(`PUT /pg/mode/backup ${name}: ${put.status} ${put.body}`);
  const done = dataOf((await waitForStatus(req, (r) => dataOf(r.body).phase === 'completed', 60_000, `backup mode ${name} completed`)).body);
  return {
    labelFile: Buffer.from(done.labelFile ?? '', 'base64'),
    spcmapFile: Buffer.from(done.spcmapFile ?? '', 'base64'),
    beginLSN: done.beginLSN ?? '',
    endLSN: done.endLSN ?? '',
  };
}
