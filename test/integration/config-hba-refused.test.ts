// A pg_hba line our validator lets through but PostgreSQL rejects (a bad netmask) must not be left on
// disk: postgres would keep its old rules after the reload and refuse to start next time. The manager
// asks postgres to parse the new file (pg_hba_file_rules) before reloading and restores the old one.
import { after as afterAll, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { manifest, startManager, tempDir, type ManagerHandle } from '../helpers/manager.js';
import { after, killLeftovers, superuserQuery, writeFileAtomicForTest } from '../helpers/config-tree.js';

function clusterYaml(hba: string[]): string {
  return manifest('t1', ['postgresql:', '  pg_hba:', ...hba.map((l) => `    - ${l}`)].join('\n'));
}

let h: ManagerHandle;
const dir = tempDir('pgim-hbarefused-');

before(async () => {
  h = await startManager({ dir, manifestText: clusterYaml(['host all all 10.0.0.0/8 reject']) });
  await h.waitForLine((l) => l.msg === 'instance ready', 60_000, 'instance ready');
});

afterAll(async () => {
  await h?.stop();
  killLeftovers(dir);
});

test('a pg_hba.conf postgres rejects is restored, not reloaded; a later good change applies', async () => {
  const hbaPath = join(h.stateDir, 'pgdata', 'pg_hba.conf');
  const before = readFileSync(hbaPath, 'utf8');
  const refused = after(h, (l) => typeof l.err === 'string' && l.err.includes('PostgreSQL refuses the new authentication rules'));
  writeFileAtomicForTest(h.manifestPath, clusterYaml(['host all all 10.0.0.0/33 reject']));
  const line = await h.waitForLine(refused, 15_000, 'the refusal');
  assert.match(String(line.err), /pg_hba\.conf line \d+/);
  assert.equal(readFileSync(hbaPath, 'utf8'), before, 'the previous pg_hba.conf is back on disk');
  assert.equal(await superuserQuery(h, 'SELECT count(*) FROM pg_hba_file_rules WHERE error IS NOT NULL'), '0');

  const reloaded = after(h, (l) => l.msg === 'configuration reloaded');
  writeFileAtomicForTest(h.manifestPath, clusterYaml(['host all all 10.0.0.0/16 reject']));
  await h.waitForLine(reloaded, 15_000, 'the reload of a valid change');
  assert.match(readFileSync(hbaPath, 'utf8'), /10\.0\.0\.0\/16/);
});
