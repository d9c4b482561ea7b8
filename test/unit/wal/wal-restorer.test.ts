import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Cluster } from '../../../src/spec/cluster.js';
import type { ChildRegistry } from '../../../src/supervisor/child-registry.js';
import { StoreError, type ObjectStore } from '../../../src/wal/store-client.js';
import type { ActiveStore, StoreCache } from '../../../src/wal/store-cache.js';
import { RestoreFailure, WalRestorer } from '../../../src/wal/wal-restorer.js';
import { validateBackup } from '../../../src/spec/validate-backup.js';
import { Fields } from '../../../src/spec/fields.js';

const SEG = 16 * 1024 * 1024;

// A hand-written store: objects in a map; `gate` holds downloads until released, `down` fails them all.
function fakeStore(objects: Map<string, Buffer>, opts: { down?: boolean; gate?: Promise<void> } = {}): ObjectStore {
  return {
    put(key, body) {
      objects.set(key, body);
      return Promise.resolve();
    },
    async get(key) {
      await opts.gate;
      if (opts.down) throw new StoreError('connectivity', 'object store unreachable (ECONNREFUSED)');
      const found = objects.get(key);
      if (!found) throw new StoreError('not-found', `${key}: not found`);
      return found;
    },
    listFolders: () => Promise.reject(new Error('not used by the restorer')),
    close() {},
  };
}

function setup(status: Record<string, unknown>, store: ObjectStore, maxParallel = 3, spec: Record<string, unknown> = {}): { restorer: WalRestorer; dir: string; spool: string } {
  const dir = mkdtempSync(join(tmpdir(), 'pgim-walrestore-'));
  const spool = join(dir, 'spool');
  const backup = validateBackup(Fields.of({ backup: { barmanObjectStore: { destinationPath: 's3://b/p', s3Credentials: { inheritFromIAMRole: true }, wal: { compression: 'gzip', maxParallel } } } }, 'spec'));
  const active: ActiveStore = { settings: { store: backup!.barmanObjectStore!, serverName: 'pg', bucket: 'b', prefix: 'p', env: {}, barmanOptions: [] }, client: store }; // eslint-disable-line @typescript-eslint/no-non-null-assertion
  const cluster = { name: 'pg', status, spec, raw: { spec } } as unknown as Cluster;
  const stores = { get: () => Promise.resolve(active) } as unknown as StoreCache;
  const restorer = new WalRestorer({ pgData: dir, spoolDir: spool, podName: 'pg-2', cluster: () => cluster, stores, segmentBytes: () => Promise.resolve(SEG), registry: {} as ChildRegistry });
  return { restorer, dir, spool };
}

const key = (name: string): string => `p/pg/wals/${name.slice(0, 16)}/${name}.gz`;
const rejectsWith = (kind: RestoreFailure['kind']) => (err: unknown): boolean => err instanceof RestoreFailure && err.kind === kind;

test('timeline guard: a replica refuses a .history newer than the cluster timeline; the primary fetches it', async () => {
  const objects = new Map([['p/pg/wals/00000003.history.gz', gzipSync('3\t0/3000000\tno recovery target specified\n')]]);
  const replica = setup({ currentPrimary: 'pg-1', targetPrimary: 'pg-1', timelineID: 2 }, fakeStore(objects));
  await assert.rejects(replica.restorer.restore('00000003.history', join(replica.dir, 'h'), false), rejectsWith('not-found'));
  assert.equal(existsSync(join(replica.dir, 'h')), false);
  const primary = setup({ currentPrimary: 'pg-2', targetPrimary: 'pg-2', timelineID: 2 }, fakeStore(objects));
  await primary.restorer.restore('00000003.history', join(primary.dir, 'h'), false);
  assert.match(readFileSync(join(primary.dir, 'h'), 'utf8'), /^3\t/);
});

test('prefetch: the next segments land in the spool only whole (temp file, then rename), and are served from it', async () => {
  const names = ['000000010000000000000010', '000000010000000000000011', '000000010000000000000012'];
  const objects = new Map(names.map((n) => [key(n), gzipSync(Buffer.alloc(1024, n))]));
  let release: () => void = () => undefined;
  const gate = new Promise<void>((r) => (release = r));
  const { restorer, dir, spool } = setup({ currentPrimary: 'pg-2' }, fakeStore(objects, { gate }));
  const first = restorer.restore(names[0] ?? '', join(dir, 'RECOVERYXLOG'), false);
  // While the downloads are held, nobody can see a prefetched name in the spool.
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(existsSync(spool) ? readdirSync(spool).filter((f) => !f.endsWith('.tmp')) : [], []);
  release();
  await first;
  assert.ok(readFileSync(join(dir, 'RECOVERYXLOG')).equals(Buffer.alloc(1024, names[0])));
  await waitFor(() => existsSync(join(spool, names[2] ?? '')));
  await restorer.restore(names[1] ?? '', join(dir, 'next'), false);
  assert.ok(readFileSync(join(dir, 'next')).equals(Buffer.alloc(1024, names[1])));
  assert.equal(existsSync(join(spool, names[1] ?? '')), false, 'moved out of the spool');
});

test('exit kinds: missing -> not-found, store down -> connectivity, bad name -> invalid; a replica flags the end of the archived stream', async () => {
  const objects = new Map([[key('000000010000000000000020'), gzipSync(Buffer.from('x'))]]);
  const down = setup({ currentPrimary: 'pg-2' }, fakeStore(objects, { down: true }));
  await assert.rejects(down.restorer.restore('000000010000000000000020', join(down.dir, 'a'), false), rejectsWith('connectivity'));
  await assert.rejects(down.restorer.restore('bogus', join(down.dir, 'a'), false), rejectsWith('invalid'));
  const replica = setup({ currentPrimary: 'pg-1' }, fakeStore(objects));
  await replica.restorer.restore('000000010000000000000020', join(replica.dir, 'a'), false);
  // The next segment was not in the archive: the next request fails once so PostgreSQL streams instead.
  await waitFor(() => existsSync(join(replica.spool, 'end-of-wal-stream')));
  await assert.rejects(replica.restorer.restore('000000010000000000000021', join(replica.dir, 'b'), false), rejectsWith('end-of-stream'));
  await assert.rejects(replica.restorer.restore('000000010000000000000021', join(replica.dir, 'b'), false), rejectsWith('not-found'));
  // Rewind mode never prefetches and never flags.
  const rewind = setup({ currentPrimary: 'pg-1' }, fakeStore(objects));
  await rewind.restorer.restore('000000010000000000000020', join(rewind.dir, 'a'), true);
  assert.equal(existsSync(rewind.spool), false);
});

test('a designated primary flags the end of the archived stream only when its source also has connectionParameters', async () => {
  const objects = new Map([[key('000000010000000000000030'), gzipSync(Buffer.from('x'))]]);
  const status = { currentPrimary: 'pg-2', targetPrimary: 'pg-2' };
  const store = { destinationPath: 's3://b/src', s3Credentials: { inheritFromIAMRole: true } };
  const both = setup(status, fakeStore(objects), 3, { replica: { enabled: true, source: 'src' }, externalClusters: [{ name: 'src', connectionParameters: { host: 'h' }, barmanObjectStore: store }] });
  await both.restorer.restore('000000010000000000000030', join(both.dir, 'a'), false);
  await waitFor(() => existsSync(join(both.spool, 'end-of-wal-stream')));
  await assert.rejects(both.restorer.restore('000000010000000000000031', join(both.dir, 'b'), false), rejectsWith('end-of-stream'));
  // Store only: PostgreSQL has nothing to stream from, so it keeps asking the archive.
  const storeOnly = setup(status, fakeStore(objects), 3, { replica: { enabled: true, source: 'src' }, externalClusters: [{ name: 'src', barmanObjectStore: store }] });
  await storeOnly.restorer.restore('000000010000000000000030', join(storeOnly.dir, 'a'), false);
  await assert.rejects(storeOnly.restorer.restore('000000010000000000000031', join(storeOnly.dir, 'b'), false), rejectsWith('not-found'));
  assert.equal(existsSync(join(storeOnly.spool, 'end-of-wal-stream')), false);
  // The primary of a primary cluster never streams.
  const primary = setup(status, fakeStore(objects));
  await primary.restorer.restore('000000010000000000000030', join(primary.dir, 'a'), false);
  await assert.rejects(primary.restorer.restore('000000010000000000000031', join(primary.dir, 'b'), false), rejectsWith('not-found'));
});

async function waitFor(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

test('a segment that is not archived is served from its .partial (a demoted primary\'s last one); the whole segment wins when both exist', async () => {
  const seg = '000000010000000000000030';
  const objects = new Map([[key(`${seg}.partial`), gzipSync(Buffer.from('partial'))]]);
  const { restorer, dir } = setup({ currentPrimary: 'pg-2' }, fakeStore(objects), 1);
  await restorer.restore(seg, join(dir, 'a'), false);
  assert.equal(readFileSync(join(dir, 'a'), 'utf8'), 'partial');
  objects.set(key(seg), gzipSync(Buffer.from('whole')));
  await restorer.restore(seg, join(dir, 'b'), false);
  assert.equal(readFileSync(join(dir, 'b'), 'utf8'), 'whole');
});
