// Azure credentials end to end against Azurite over HTTPS (its --cert/--key, a CA made here), three clusters
// side by side, each archiving WAL and taking a backup that ends `completed` with barman's fields:
// - a connection string and endpointCA: the in-process Azure client checks Azurite with that CA;
// - a SAS token, and an account key: barman-cloud takes those only for https://ACCOUNT.blob.core.windows.net
//   (azure_blob_storage.py), so that name is sent to Azurite by an HTTPS proxy (HTTPS_PROXY, honoured by
//   barman's requests and the manager's Azure SDK), TLS end to end with a certificate for that name.
// barman-cloud-backup is the only barman-cloud tool of src/barman/ the managers can run (BARMAN_BIN is a folder
// holding it alone): the backup's entry and the catalog are read in-process.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AccountSASPermissions, AccountSASResourceTypes, AccountSASServices, StorageSharedKeyCredential, generateAccountSASQueryParameters } from '@azure/storage-blob';
import { manifest, startManager, tempDir, type ManagerHandle } from '../helpers/manager.js';
import { cleanupDir, waitUntil } from '../helpers/lifecycle-procs.js';
import { AZURITE_ACCOUNT, AZURITE_KEY, startAzurite, type AzuriteServer } from '../helpers/azurite-server.js';
import { startConnectProxy, type ConnectProxy } from '../helpers/connect-proxy.js';
import { backupEnded, runManagerCommandRaw } from '../helpers/backup-stack.js';
import { archivingCondition, readySocketDir, superSql, writeSegment } from '../helpers/wal-archive-env.js';
import { createCa, createServerCert } from '../../src/tls/generate.js';

const PUBLIC_HOST = `${AZURITE_ACCOUNT}.blob.core.windows.net`;
for (const name of ['AWS_CA_BUNDLE', 'REQUESTS_CA_BUNDLE', 'NODE_EXTRA_CA_CERTS', 'CURL_CA_BUNDLE', 'SSL_CERT_FILE', 'HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'ALL_PROXY', 'all_proxy']) delete process.env[name]; // eslint-disable-line security/detect-object-injection -- fixed names

const dirs: string[] = [];
const handles: ManagerHandle[] = [];
let azurite: AzuriteServer | undefined;
let proxy: ConnectProxy | undefined;
after(async () => {
  await Promise.all(handles.map((h) => h.stop(20_000)));
  await proxy?.stop();
  await azurite?.stop();
  await Promise.all(dirs.map((d) => cleanupDir(d)));
});

// One cluster: its Secret keys (files under secrets/azure-creds), store lines, extra environment.
async function cluster(name: string, store: string[], secrets: Record<string, string>, env: Record<string, string>): Promise<ManagerHandle> {
  const dir = tempDir(`pgim-azcred-${name}-`);
  dirs.push(dir);
  const stateDir = join(dir, 'state');
  mkdirSync(join(stateDir, 'secrets', 'azure-creds'), { recursive: true, mode: 0o755 });
  for (const [key, value] of Object.entries(secrets)) writeFileSync(join(stateDir, 'secrets', 'azure-creds', key), value, { mode: 0o644 });
  execFileSync('chown', ['-R', 'postgres:postgres', stateDir]); // the manager reads it as the run user
  const spec = ['backup:', '  barmanObjectStore:', ...store.map((l) => `    ${l}`), `    serverName: ${name}`, '    wal: { compression: gzip }', '    data: { immediateCheckpoint: true }'];
  const h = await startManager({ dir, manifestText: manifest(name, spec.join('\n')), env });
  handles.push(h);
  return h;
}

// Archives one segment, takes backup `b-<name>`, and returns its status once ended.
async function archiveAndBackup(h: ManagerHandle, name: string): Promise<Record<string, unknown>> {
  const socketDir = await readySocketDir(h);
  const wal = writeSegment(h, socketDir);
  await waitUntil(() => superSql(h, socketDir, "SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver") >= wal || undefined, 60_000, `${name}: ${wal} archived`).catch((err: unknown) => {
    const log = h.lines.filter((l) => /archiv|barman|wal|azure/i.test(JSON.stringify(l))).slice(-6);
    const ps = execFileSync('ps', ['-eo', 'pid,etimes,args'], { encoding: 'utf8' }).split('\n').filter((l) => l.includes(h.dir) || l.includes('barman-cloud')).join(' | ');
    throw new Error(`${String(err)}; ContinuousArchiving: ${JSON.stringify(archivingCondition(h))}; log: ${JSON.stringify(log)}; proxy: ${proxy?.connects.join(',') ?? ''}; ps: ${ps}`);
  });
  const asked = await runManagerCommandRaw(['backup', `b-${name}`, '--state-dir', h.stateDir]);
  assert.equal(asked.code, 0, `${name}: ${asked.stderr}`);
  return backupEnded(h.stateDir, `b-${name}`, 120_000);
}

test('connection string + endpointCA, SAS token, account key: archiving and a completed backup each, over HTTPS', async () => {
  const tls = tempDir('pgim-azcred-tls-');
  dirs.push(tls);
  chmodSync(tls, 0o755); // the managers' run user reads the CA file and runs the tool folder below
  const ca = await createCa({ commonName: 'azurite-ca' });
  const cert = await createServerCert({ ca, commonName: PUBLIC_HOST, ipAddresses: ['127.0.0.1'], dnsNames: [PUBLIC_HOST, 'localhost'] });
  writeFileSync(join(tls, 'cert.pem'), cert.certPem);
  writeFileSync(join(tls, 'key.pem'), cert.keyPem);
  writeFileSync(join(tls, 'ca.pem'), ca.certPem, { mode: 0o644 });
  azurite = await startAzurite('backups', 60_000, { certFile: join(tls, 'cert.pem'), keyFile: join(tls, 'key.pem'), ca: ca.certPem });
  assert.match(azurite.accountUrl, /^https:/);
  proxy = await startConnectProxy(azurite.port);
  // Only barman-cloud-backup: barman-cloud-backup-show and -list would mean the in-process read was not used.
  const tools = join(tls, 'barman-bin');
  mkdirSync(tools, { mode: 0o755 });
  symlinkSync('/usr/bin/barman-cloud-backup', join(tools, 'barman-cloud-backup'));
  const sas = generateAccountSASQueryParameters(
    { expiresOn: new Date(Date.now() + 3600_000), permissions: AccountSASPermissions.parse('rwdlac'), services: AccountSASServices.parse('b').toString(), resourceTypes: AccountSASResourceTypes.parse('sco').toString() },
    new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY),
  ).toString();
  const viaProxy = { HTTPS_PROXY: proxy.url, NODE_EXTRA_CA_CERTS: join(tls, 'ca.pem'), REQUESTS_CA_BUNDLE: join(tls, 'ca.pem'), BARMAN_BIN: tools };
  const publicPath = (p: string): string => `destinationPath: https://${PUBLIC_HOST}/backups/${p}`;
  const [withCa, withSas, withKey] = await Promise.all([
    cluster('azca', [`destinationPath: ${azurite.accountUrl}/backups/azca`, 'endpointCA: { name: azure-creds, key: ca.crt }', 'azureCredentials:', '  connectionString: { name: azure-creds, key: CS }'], { CS: azurite.connectionString(), 'ca.crt': ca.certPem }, { BARMAN_BIN: tools }),
    cluster('azsas', [publicPath('azsas'), 'azureCredentials:', '  storageAccount: { name: azure-creds, key: ACCOUNT }', '  storageSasToken: { name: azure-creds, key: SAS }'], { ACCOUNT: AZURITE_ACCOUNT, SAS: sas }, viaProxy),
    cluster('azkey', [publicPath('azkey'), 'azureCredentials:', '  storageAccount: { name: azure-creds, key: ACCOUNT }', '  storageKey: { name: azure-creds, key: KEY }'], { ACCOUNT: AZURITE_ACCOUNT, KEY: AZURITE_KEY }, viaProxy),
  ]);
  const ended = await Promise.all([archiveAndBackup(withCa, 'azca'), archiveAndBackup(withSas, 'azsas'), archiveAndBackup(withKey, 'azkey')]);
  for (const [i, status] of ended.entries()) {
    const name = ['azca', 'azsas', 'azkey'].at(i) ?? '';
    assert.equal(status.phase, 'completed', `${name}: ${JSON.stringify(status)}`);
    assert.match(String(status.backupId), /^\d{8}T\d{6}$/, name);
    for (const field of ['beginWal', 'endWal', 'beginLSN', 'endLSN', 'startedAt', 'stoppedAt']) assert.ok(status[field], `${name}: ${field}`); // eslint-disable-line security/detect-object-injection -- fixed names
  }
  assert.ok(proxy.connects.some((c) => c === `${PUBLIC_HOST}:443`), `the SAS and key clusters went through the proxy: ${proxy.connects.join(', ')}`);
  // The catalog upkeep, in-process as well, writes the recoverability window.
  for (const h of [withCa, withSas, withKey]) {
    await waitUntil(() => (h.lines.some((l) => l.msg === 'could not read the backup catalog') ? 'failed' : undefined) ?? (statusOf(h).firstRecoverabilityPoint ? true : undefined), 30_000, 'firstRecoverabilityPoint').then((r) => assert.equal(r, true, 'the catalog was read'));
  }
});

function statusOf(h: ManagerHandle): Record<string, unknown> {
  try {
    return JSON.parse(readFileSync(join(h.stateDir, 'status.json'), 'utf8')) as Record<string, unknown>;
  } catch {
    return {};
  }
}
