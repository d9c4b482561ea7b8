// Azure credentials end to end against Azurite over HTTPS (its --cert/--key, a CA made here), three clusters
// side by side, each archiving WAL and taking a backup that ends `completed` with barman's fields:
// - a connection string and endpointCA: the in-process Azure client checks Azurite with that CA;
// - a SAS token, and an account key: barman-cloud takes those only for https://ACCOUNT.blob.core.windows.net
//   (azure_blob_storage.py), so that name is sent to Azurite by an HTTPS proxy (HTTPS_PROXY, honoured by
//   barman's requests and the manager's Azure SDK), TLS end to end with a certificate for that name.
// barman-cloud-backup is the only barman-cloud tool of src/barman/ the managers can run (BARMAN_BIN is a folder
// holding it alone): the backup's entry and the catalog are read in-process. The proxy runs in this process, so
// nothing here polls with a synchronous psql (it would freeze the tunnels).
import { after, before, describe, test } from 'node:test';
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
import { archivingCondition, readySocketDir, writeSegment } from '../helpers/wal-archive-env.js';
import { ownerQuery } from '../helpers/lifecycle-writer.js';
import { createCa, createServerCert } from '../../src/tls/generate.js';

const PUBLIC_HOST = `${AZURITE_ACCOUNT}.blob.core.windows.net`;
for (const name of ['AWS_CA_BUNDLE', 'REQUESTS_CA_BUNDLE', 'NODE_EXTRA_CA_CERTS', 'CURL_CA_BUNDLE', 'SSL_CERT_FILE', 'HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'ALL_PROXY', 'all_proxy']) delete process.env[name]; // eslint-disable-line security/detect-object-injection -- fixed names

type Ended = Promise<{ h: ManagerHandle; status: Record<string, unknown> }>;

// One cluster: its Secret keys (files under secrets/azure-creds), store lines, extra environment.
async function cluster(name: string, store: string[], secrets: Record<string, string>, env: Record<string, string>, dirs: string[], handles: ManagerHandle[]): Promise<ManagerHandle> {
  const dir = tempDir(`pgim-azcred-${name}-`);
  dirs.push(dir);
  const stateDir = join(dir, 'state');
  mkdirSync(join(stateDir, 'secrets', 'azure-creds'), { recursive: true, mode: 0o755 });
  for (const [key, value] of Object.entries(secrets)) writeFileSync(join(stateDir, 'secrets', 'azure-creds', key), value, { mode: 0o644 });
  execFileSync('chown', ['-R', 'postgres:postgres', stateDir]); // the manager reads it as the run user
  const spec = ['backup:', '  barmanObjectStore:', ...store.map((l) => `    ${l}`), `    serverName: ${name}`, '    wal: { compression: gzip }', '    data: { immediateCheckpoint: true }'];
  const h = await startManager({ dir, manifestText: manifest('t1', spec.join('\n')) /* ownerQuery reads the t1-app Secret */, env });
  handles.push(h);
  return h;
}

// Archives one segment, takes backup `b-<name>`, and resolves with its status once ended.
async function archiveAndBackup(started: Promise<ManagerHandle>, name: string, proxy: ConnectProxy): Ended {
  const h = await started;
  const socketDir = await readySocketDir(h);
  const wal = writeSegment(h, socketDir);
  const archived = async (): Promise<boolean | undefined> => ((await ownerQuery<{ w: string | null }>(h, 'SELECT last_archived_wal AS w FROM pg_stat_archiver')).rows[0]?.w ?? '') >= wal || undefined;
  await waitUntil(archived, 60_000, `${name}: ${wal} archived`, 250).catch((err: unknown) => {
    const log = h.lines.filter((l) => /archiv|barman|azure/i.test(JSON.stringify(l))).slice(-6);
    throw new Error(`${String(err)}; ContinuousArchiving: ${JSON.stringify(archivingCondition(h))}; log: ${JSON.stringify(log)}; proxy: ${proxy.connects.join(',')}`);
  });
  const asked = await runManagerCommandRaw(['backup', `b-${name}`, '--state-dir', h.stateDir]);
  assert.equal(asked.code, 0, `${name}: ${asked.stderr}`);
  return { h, status: await backupEnded(h.stateDir, `b-${name}`, 120_000) };
}

function statusOf(h: ManagerHandle): Record<string, unknown> {
  try {
    return JSON.parse(readFileSync(join(h.stateDir, 'status.json'), 'utf8')) as Record<string, unknown>;
  } catch {
    return {};
  }
}

// The Backup ended completed with barman's fields, and the catalog upkeep (in-process too) wrote the window.
async function assertCompleted(ended: Ended, name: string): Promise<void> {
  const { h, status } = await ended;
  assert.equal(status.phase, 'completed', `${name}: ${JSON.stringify(status)}`);
  assert.match(String(status.backupId), /^\d{8}T\d{6}$/, name);
  for (const field of ['beginWal', 'endWal', 'beginLSN', 'endLSN', 'startedAt', 'stoppedAt']) assert.ok(status[field], `${name}: ${field}`); // eslint-disable-line security/detect-object-injection -- fixed names
  const window = await waitUntil(() => (h.lines.some((l) => l.msg === 'could not read the backup catalog') ? 'failed' : undefined) ?? (statusOf(h).firstRecoverabilityPoint ? 'written' : undefined), 30_000, `${name}: firstRecoverabilityPoint`, 200);
  assert.equal(window, 'written', `${name}: the catalog was read`);
}

describe('Azure credentials against Azurite over HTTPS', () => {
  const dirs: string[] = [];
  const handles: ManagerHandle[] = [];
  let azurite: AzuriteServer | undefined;
  let proxy: ConnectProxy | undefined;
  const ended: Record<'ca' | 'sas' | 'key', Ended | undefined> = { ca: undefined, sas: undefined, key: undefined };
  after(async () => {
    await Promise.all(handles.map((h) => h.stop(20_000)));
    await proxy?.stop();
    await azurite?.stop();
    await Promise.all(dirs.map((d) => cleanupDir(d)));
  });

  // The three clusters run side by side from here; each test awaits its own.
  before(async () => {
    const tls = tempDir('pgim-azcred-tls-');
    dirs.push(tls);
    chmodSync(tls, 0o755); // the managers' run user reads the CA file and runs the tool folder below
    const ca = await createCa({ commonName: 'azurite-ca' });
    const cert = await createServerCert({ ca, commonName: PUBLIC_HOST, ipAddresses: ['127.0.0.1'], dnsNames: [PUBLIC_HOST, 'localhost'] });
    writeFileSync(join(tls, 'cert.pem'), cert.certPem);
    writeFileSync(join(tls, 'key.pem'), cert.keyPem);
    writeFileSync(join(tls, 'ca.pem'), ca.certPem, { mode: 0o644 });
    azurite = await startAzurite('backups', 60_000, { certFile: join(tls, 'cert.pem'), keyFile: join(tls, 'key.pem'), ca: ca.certPem });
    const px = await startConnectProxy(azurite.port);
    proxy = px;
    // Only barman-cloud-backup: barman-cloud-backup-show and -list would mean the in-process read was not used.
    const tools = join(tls, 'barman-bin');
    mkdirSync(tools, { mode: 0o755 });
    symlinkSync('/usr/bin/barman-cloud-backup', join(tools, 'barman-cloud-backup'));
    const sas = generateAccountSASQueryParameters(
      { expiresOn: new Date(Date.now() + 3600_000), permissions: AccountSASPermissions.parse('rwdlac'), services: AccountSASServices.parse('b').toString(), resourceTypes: AccountSASResourceTypes.parse('sco').toString() },
      new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY),
    ).toString();
    const viaProxy = { HTTPS_PROXY: px.url, NODE_EXTRA_CA_CERTS: join(tls, 'ca.pem'), REQUESTS_CA_BUNDLE: join(tls, 'ca.pem'), BARMAN_BIN: tools };
    const publicPath = `destinationPath: https://${PUBLIC_HOST}/backups`;
    const start = (name: string, store: string[], secrets: Record<string, string>, env: Record<string, string>): Ended => {
      const e = archiveAndBackup(cluster(name, store, secrets, env, dirs, handles), name, px);
      e.catch(() => undefined); // awaited (and its failure reported) by its test
      return e;
    };
    ended.ca = start('azca', [`destinationPath: ${azurite.accountUrl}/backups/azca`, 'endpointCA: { name: azure-creds, key: ca.crt }', 'azureCredentials:', '  connectionString: { name: azure-creds, key: CS }'], { CS: azurite.connectionString(), 'ca.crt': ca.certPem }, { BARMAN_BIN: tools });
    ended.sas = start('azsas', [`${publicPath}/azsas`, 'azureCredentials:', '  storageAccount: { name: azure-creds, key: ACCOUNT }', '  storageSasToken: { name: azure-creds, key: SAS }'], { ACCOUNT: AZURITE_ACCOUNT, SAS: sas }, viaProxy);
    ended.key = start('azkey', [`${publicPath}/azkey`, 'azureCredentials:', '  storageAccount: { name: azure-creds, key: ACCOUNT }', '  storageKey: { name: azure-creds, key: KEY }'], { ACCOUNT: AZURITE_ACCOUNT, KEY: AZURITE_KEY }, viaProxy);
  });

  test('connection string + endpointCA: the in-process client and barman check Azurite with that CA', async () => {
    assert.match(azurite?.accountUrl ?? '', /^https:/);
    assert.ok(ended.ca);
    await assertCompleted(ended.ca, 'azca');
  });

  test('a SAS token, and an account key, on https://ACCOUNT.blob.core.windows.net: archiving and a completed backup each', async () => {
    assert.ok(ended.sas && ended.key);
    await Promise.all([assertCompleted(ended.sas, 'azsas'), assertCompleted(ended.key, 'azkey')]);
    assert.ok(proxy?.connects.includes(`${PUBLIC_HOST}:443`), `through the proxy: ${proxy?.connects.join(', ') ?? ''}`);
  });
});
