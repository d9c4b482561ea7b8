// The embedded default's Database files: Database documents beside the Cluster, a generation that moves
// with the spec, status merged into one file per object, and a document removed from the manifest seen
// as a deleted object until forgotten.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseFiles } from '../../../src/source/database-files.js';

const cluster = 'apiVersion: postgresql.cnpg.io/v1\nkind: Cluster\nmetadata:\n  name: c1\nspec:\n  instances: 1\n';
const database = (name: string, owner: string): string => `---\napiVersion: postgresql.cnpg.io/v1\nkind: Database\nmetadata:\n  name: ${name}\nspec:\n  name: ${name}\n  owner: ${owner}\n  cluster:\n    name: c1\n`;

test('generation, status file, and deletion of a Database document', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pgim-dbfiles-'));
  try {
    const manifest = join(dir, 'cluster.yaml');
    writeFileSync(manifest, cluster + database('one', 'app') + database('two', 'app'));
    const files = new DatabaseFiles(manifest, join(dir, 'databases'));
    const first = (await files.list()) ?? [];
    assert.deepEqual(first.map((o) => (o.metadata as { generation: number }).generation), [1, 1]);
    const [one] = first;
    assert.ok(one);
    await files.patchStatus(one, { observedGeneration: 1, applied: true, message: null });
    await files.patchStatus(one, { applied: false, message: 'x' });
    const stored = JSON.parse(readFileSync(join(dir, 'databases', 'one.json'), 'utf8')) as Record<string, unknown>;
    assert.deepEqual(stored.status, { observedGeneration: 1, applied: false, message: 'x' });
    assert.equal(stored.kind, 'Database');
    // Same spec: same generation; changed spec: the next one.
    assert.equal(((await files.list())?.[0]?.metadata as { generation: number }).generation, 1);
    writeFileSync(manifest, cluster + database('one', 'bob'));
    assert.equal(((await files.list())?.[0]?.metadata as { generation: number }).generation, 2);
    assert.deepEqual(await files.deleted(), []);
    writeFileSync(manifest, cluster);
    assert.deepEqual(await files.list(), []);
    const gone = await files.deleted();
    assert.deepEqual(gone.map((o) => (o.metadata as { name: string }).name), ['one']);
    assert.equal((gone[0]?.spec as { owner: string }).owner, 'app', 'the spec as last applied');
    await files.forget(gone[0] ?? {});
    assert.deepEqual(await files.deleted(), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
