// Who archives in a replica cluster (archive_mode = always on all its instances): the designated primary once
// it is currentPrimary, into its own store; the other instances answer success without uploading, and leave the
// ContinuousArchiving condition alone; before the status names it, the designated primary is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Cluster } from '../../../src/spec/cluster.js';
import type { ChildRegistry } from '../../../src/supervisor/child-registry.js';
import type { ObjectStore } from '../../../src/wal/store-client.js';
import type { ActiveStore, StoreCache } from '../../../src/wal/store-cache.js';
import type { ArchivingCondition } from '../../../src/wal/archiving-condition.js';
import { ArchiveRefused, WalArchiver } from '../../../src/wal/wal-archiver.js';
import { validateBackup } from '../../../src/spec/validate-backup.js';
import { Fields } from '../../../src/spec/fields.js';
import { captureLogger } from '../log/capture-logger.js';

const WAL = '000000010000000000000007';
const REPLICA_SPEC = { replica: { enabled: true, source: 'src' } };

function setup(podName: string, status: Record<string, unknown>, spec: Record<string, unknown> = REPLICA_SPEC): { archiver: WalArchiver; uploads: string[]; reports: (string | undefined)[] } {
  const pgData = mkdtempSync(join(tmpdir(), 'pgim-walarchive-'));
  mkdirSync(join(pgData, 'pg_wal', 'archive_status'), { recursive: true });
  writeFileSync(join(pgData, 'pg_wal', WAL), 'wal bytes');
  const uploads: string[] = [];
  const client: ObjectStore = {
    put: (key) => (uploads.push(key), Promise.resolve()),
    get: () => Promise.reject(new Error('not used')),
    listFolders: () => Promise.reject(new Error('not used')),
    close: () => undefined,
  };
  const backup = validateBackup(Fields.of({ backup: { barmanObjectStore: { destinationPath: 's3://b/p', s3Credentials: { inheritFromIAMRole: true }, wal: { maxParallel: 1 } } } }, 'spec'));
  const active: ActiveStore = { settings: { store: backup!.barmanObjectStore!, serverName: 'rc', bucket: 'b', prefix: 'p', env: {}, barmanOptions: [] }, client }; // eslint-disable-line @typescript-eslint/no-non-null-assertion
  const reports: (string | undefined)[] = [];
  const cluster = { name: 'rc', spec, raw: { spec }, status } as unknown as Cluster;
  const archiver = new WalArchiver({
    pgData,
    spoolDir: join(pgData, 'spool'),
    podName,
    cluster: () => cluster,
    stores: { get: () => Promise.resolve(active) } as unknown as StoreCache,
    condition: { report: (e: string | undefined) => reports.push(e) } as unknown as ArchivingCondition,
    registry: {} as ChildRegistry,
    log: captureLogger().root,
  });
  return { archiver, uploads, reports };
}

test('replica cluster: the designated primary archives into its own store once it is currentPrimary', async () => {
  const { archiver, uploads, reports } = setup('rc-1', { targetPrimary: 'rc-1', currentPrimary: 'rc-1' });
  await archiver.archive(WAL);
  assert.deepEqual(uploads, [`p/rc/wals/0000000100000000/${WAL}`]);
  assert.deepEqual(reports, [undefined]);
});

test('replica cluster: another instance answers success without uploading and leaves the condition alone', async () => {
  const { archiver, uploads, reports } = setup('rc-2', { targetPrimary: 'rc-1', currentPrimary: 'rc-1' });
  await archiver.archive(WAL);
  assert.deepEqual(uploads, []);
  assert.deepEqual(reports, []);
});

test('the designated primary before the status names it currentPrimary, and a primary cluster\'s replica: refused', async () => {
  const early = setup('rc-1', { targetPrimary: 'rc-1' });
  await assert.rejects(early.archiver.archive(WAL), (err: unknown) => err instanceof ArchiveRefused && /switchover in progress/.test(err.message));
  assert.equal(early.uploads.length, 0);
  assert.match(String(early.reports[0]), /switchover in progress/);
  const replica = setup('pg-2', { targetPrimary: 'pg-1', currentPrimary: 'pg-1' }, {});
  await assert.rejects(replica.archiver.archive(WAL), ArchiveRefused);
});
