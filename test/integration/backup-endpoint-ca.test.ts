// spec.backup.barmanObjectStore.endpointCA against s3rver serving HTTPS with a certificate from a CA made here:
// archiving (with barman-cloud-check-wal-archive's first-WAL check), a barman-cloud-backup, the catalog listing
// and wal-restore all verify the store with that CA; once endpointCA is removed from the Cluster the same calls
// fail naming the certificate. The ambient CA variables of this machine are removed first, so nothing here
// passes because of them.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { manifest, processesMentioning, startManager, tempDir, type ManagerHandle } from '../helpers/manager.js';
import { startS3Server, type S3Server } from '../helpers/s3-server.js';
import { installS3Secret, readySocketDir, runWalRestore, superSql, writeSegment, archivingCondition } from '../helpers/wal-archive-env.js';
import { backupFile, runManagerCommandRaw } from '../helpers/backup-stack.js';
import { waitUntil } from '../helpers/lifecycle-procs.js';
import { createCa, createServerCert } from '../../src/tls/generate.js';

for (const name of ['AWS_CA_BUNDLE', 'REQUESTS_CA_BUNDLE', 'NODE_EXTRA_CA_CERTS', 'CURL_CA_BUNDLE', 'SSL_CERT_FILE']) delete process.env[name]; // eslint-disable-line security/detect-object-injection -- fixed names

let s3: S3Server | undefined;
let h: ManagerHandle | undefined;
after(async () => {
  await h?.stop();
  for (const pid of h ? processesMentioning(h.dir) : []) process.kill(pid, 'SIGKILL');
  await s3?.stop();
});

function storeManifest(endpoint: string, withCa: boolean): string {
  return manifest('ca1', [
    'backup:',
    '  barmanObjectStore:',
    '    destinationPath: s3://backups/ca1',
    `    endpointURL: ${endpoint}`,
    ...(withCa ? ['    endpointCA: { name: store-ca, key: ca.crt }'] : []),
    '    s3Credentials:',
    '      accessKeyId: { name: s3-creds, key: ACCESS_KEY_ID }',
    '      secretAccessKey: { name: s3-creds, key: ACCESS_SECRET_KEY }',
    // A spread checkpoint after the WAL written below would pace the backup's start for minutes.
    '    data: { immediateCheckpoint: true }',
  ].join('\n'));
}

test('endpointCA: archiving, backup, catalog and wal-restore over HTTPS with the CA; a clear certificate error without it', async () => {
  const tls = tempDir('pgim-s3-tls-');
  const ca = await createCa({ commonName: 'object-store-ca' });
  const server = await createServerCert({ ca, commonName: '127.0.0.1', ipAddresses: ['127.0.0.1'], dnsNames: ['localhost'] });
  writeFileSync(join(tls, 'key.pem'), server.keyPem);
  writeFileSync(join(tls, 'cert.pem'), server.certPem);
  s3 = await startS3Server('backups', { tls: { keyFile: join(tls, 'key.pem'), certFile: join(tls, 'cert.pem') } });
  assert.match(s3.endpoint, /^https:/);

  const dir = tempDir();
  const stateDir = join(dir, 'state');
  installS3Secret(stateDir);
  mkdirSync(join(stateDir, 'secrets', 'store-ca'), { recursive: true, mode: 0o755 });
  writeFileSync(join(stateDir, 'secrets', 'store-ca', 'ca.crt'), ca.certPem, { mode: 0o644 });
  h = await startManager({ dir, manifestText: storeManifest(s3.endpoint, true) });
  const socketDir = await readySocketDir(h);
  const handle = h;

  // Archiving: the first WAL goes through barman-cloud-check-wal-archive (a tool) and the in-process uploader.
  const wal = writeSegment(h, socketDir);
  await waitUntil(() => archivingCondition(handle)?.status === 'True' || undefined, 30_000, 'ContinuousArchiving True');
  await waitUntil(() => superSql(handle, socketDir, 'SELECT last_archived_wal FROM pg_stat_archiver') >= wal || undefined, 30_000, `${wal} archived`);
  // The CA file the tools read: 0600 in the run folder, the PEM of the Secret.
  const runDir = join(stateDir, 'controller', 'run');
  const caFile = readdirSync(runDir).find((n) => /^endpoint-ca-[0-9a-f]{16}\.crt$/.test(n));
  assert.ok(caFile, `a CA file in ${runDir}`);
  assert.equal(statSync(join(runDir, caFile)).mode & 0o777, 0o600);
  assert.equal(readFileSync(join(runDir, caFile), 'utf8'), ca.certPem);

  // A backup with barman-cloud-backup, then the catalog with barman-cloud-backup-list.
  const asked = await runManagerCommandRaw(['backup', 'b1', '--state-dir', stateDir]);
  assert.equal(asked.code, 0, asked.stderr);
  const status = await waitUntil(() => {
    const s = backupFile(stateDir, 'b1')?.status;
    return s?.phase === 'completed' || s?.phase === 'failed' ? s : undefined;
  }, 90_000, 'backup b1 to finish').catch((err: unknown) => {
    throw new Error(`${String(err)}; backup: ${JSON.stringify(backupFile(stateDir, 'b1'))}; log: ${JSON.stringify(handle.lines.filter((l) => /backup|barman/i.test(JSON.stringify(l))).slice(-8))}`);
  });
  assert.equal(status.phase, 'completed', JSON.stringify(status));
  assert.deepEqual(status.endpointCA, { name: 'store-ca', key: 'ca.crt' }, 'the Backup names its CA for a later recovery');
  const listed = await runManagerCommandRaw(['backups', '--state-dir', stateDir]);
  assert.equal(listed.code, 0, listed.stderr);
  assert.ok(listed.stdout.includes(String(status.backupId)), listed.stdout);
  const restored = runWalRestore(h, [wal, 'pg_wal/RESTORED_WITH_CA']);
  assert.equal(restored.status, 0, restored.stderr);

  // Without endpointCA the same store is refused, and the error says why.
  writeFileSync(join(dir, 'cluster.yaml.tmp'), storeManifest(s3.endpoint, false));
  renameSync(join(dir, 'cluster.yaml.tmp'), h.manifestPath);
  const refused = await waitUntil(async () => {
    const r = await runManagerCommandRaw(['backups', '--state-dir', stateDir]);
    return r.code !== 0 ? r : undefined;
  }, 30_000, 'the catalog refused without endpointCA');
  assert.match(refused.stderr, /certificate|SSL/i, refused.stderr);
  const noCa = runWalRestore(h, [wal, 'pg_wal/RESTORED_WITHOUT_CA']);
  assert.notEqual(noCa.status, 0, 'wal-restore without the CA');
});
