// The embedded default generates the app Secret (username, password, dbname, host, port, uri, pgpass, as the
// operator does). After the user rotates `password` by editing that key, the manager keeps the Secret it
// generated consistent: `uri` and `pgpass` are rewritten with the new password once it is in force.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startManager, tempDir, secretValue, type ManagerHandle } from '../helpers/manager.js';
import { after as afterLine, killLeftovers, writeFileAtomicForTest } from '../helpers/config-tree.js';

const dir = tempDir('pgim-local-secret-');
let h: ManagerHandle;

before(async () => {
  h = await startManager({ dir });
  await h.waitForLine((l) => l.msg === 'instance ready', 60_000, 'instance ready');
});

after(async () => {
  await h?.stop();
  killLeftovers(dir);
});

test('a rotated password in the generated app Secret is carried into its uri and pgpass keys', async () => {
  const first = secretValue(h.stateDir, 't1-app', 'password');
  assert.equal(new URL(secretValue(h.stateDir, 't1-app', 'uri')).password, first, 'the generated uri holds the generated password');
  const next = 'Rotated:pass/w0rd@x';
  const updated = afterLine(h, (l) => l.msg === 'connection keys updated to the new password');
  writeFileAtomicForTest(join(h.stateDir, 'secrets', 't1-app', 'password'), next);
  const line = await h.waitForLine(updated, 15_000, 'the derived keys update');
  assert.deepEqual(line.keys, ['uri', 'pgpass']);
  assert.equal(decodeURIComponent(new URL(secretValue(h.stateDir, 't1-app', 'uri')).password), next);
  assert.equal(readFileSync(join(h.stateDir, 'secrets', 't1-app', 'pgpass'), 'utf8'), 't1-rw:5432:app:app:Rotated\\:pass/w0rd@x\n');
  assert.ok(!JSON.stringify(h.lines).includes('w0rd'), 'the new password is not logged');
});
