// The in-process catalog: the backup just taken found by its name among the newest backup folders, folders
// without backup.info skipped (barman skips them too), the whole list oldest first, and "undefined" (the
// caller runs barman's tool) where the store has no in-process client.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StoreCatalog } from '../../../src/backup/store-catalog.js';
import { StoreError, type ObjectStore } from '../../../src/wal/store-client.js';
import type { ActiveStore } from '../../../src/wal/store-cache.js';
import type { Cluster } from '../../../src/spec/cluster.js';
import type { BarmanObjectStore } from '../../../src/spec/validate-backup.js';

const cluster = {} as Cluster;

function info(name: string, end: string): Buffer {
  return Buffer.from([`backup_name=${name}`, 'begin_time=2026-12-07 05:00:00.1+00:00', `end_time=${end}`, 'end_wal=000000010000000000000004', 'status=DONE', ''].join('\n'));
}

// A hand-written store: objects in a map, a fixed folder listing; `reads` records the keys read.
function fakeStore(objects: Map<string, Buffer>, folders: string[]): ObjectStore & { reads: string[] } {
  const reads: string[] = [];
  return {
    reads,
    put: () => Promise.reject(new Error('not used')),
    get(key) {
      reads.push(key);
      const found = objects.get(key);
      return found ? Promise.resolve(found) : Promise.reject(new StoreError('not-found', `${key}: not found`));
    },
    listFolders(prefix) {
      assert.equal(prefix, 'p/pg/base/');
      return Promise.resolve(folders);
    },
    close() {},
  };
}

function catalogOf(client: ObjectStore | undefined): StoreCatalog {
  const active: ActiveStore = { settings: { store: {} as BarmanObjectStore, serverName: 'pg', bucket: 'b', prefix: 'p', env: {}, barmanOptions: [] }, ...(client ? { client } : {}) };
  return new StoreCatalog({ get: () => Promise.resolve(active) });
}

test('the backup just taken: found by name among the newest folders, without reading the older ones', async () => {
  const objects = new Map([
    ['p/pg/base/20261207T050000/backup.info', info('backup-20261207045959', '2026-12-07 05:00:10+00:00')],
    ['p/pg/base/20261207T060000/backup.info', info('backup-20261207055959', '2026-12-07 06:00:10+00:00')],
  ]);
  // 20261207T070000 is a backup still uploading (no backup.info yet); 'x' is not a backup folder.
  const store = fakeStore(objects, ['20261207T050000', 'x', '20261207T070000', '20261207T060000']);
  const found = await catalogOf(store).findByName(cluster, 'backup-20261207055959');
  assert.equal(found?.backupId, '20261207T060000');
  assert.equal(found?.endTime?.toISOString(), '2026-12-07T06:00:10.000Z');
  assert.deepEqual(store.reads, ['p/pg/base/20261207T070000/backup.info', 'p/pg/base/20261207T060000/backup.info']);
  await assert.rejects(catalogOf(store).findByName(cluster, 'backup-19990101000000'), /no backup.info named backup-19990101000000 among the newest 3 backups under p\/pg\/base\//, 'an unknown name: the caller warns and asks barman');
});

test('the whole catalog, oldest end first; a store error is thrown, not taken for an empty catalog', async () => {
  const objects = new Map([
    ['p/pg/base/20261207T060000/backup.info', info('b', '2026-12-07 06:00:10+00:00')],
    ['p/pg/base/20261207T050000/backup.info', info('a', '2026-12-07 05:00:10+00:00')],
  ]);
  const list = await catalogOf(fakeStore(objects, ['20261207T060000', '20261207T050000'])).list(cluster);
  assert.deepEqual(list?.map((b) => b.backupId), ['20261207T050000', '20261207T060000']);
  const down = fakeStore(objects, ['20261207T050000']);
  down.get = () => Promise.reject(new StoreError('connectivity', 'object store unreachable (ECONNREFUSED)'));
  await assert.rejects(catalogOf(down).list(cluster), /unreachable/);
});

test('no in-process client (Azure DefaultAzureCredential): undefined, so barman-cloud-backup-show / -list run', async () => {
  assert.equal(await catalogOf(undefined).findByName(cluster, 'backup-1'), undefined);
  assert.equal(await catalogOf(undefined).list(cluster), undefined);
});
