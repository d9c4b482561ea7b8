// A parameter value our validator lets through but PostgreSQL rejects (work_mem: banana) must not be left
// in custom.conf: postgres would log it at the reload, keep its old value, and refuse to start next time.
// The manager asks postgres to parse the new file (pg_file_settings) before reloading and restores the old one.
// A start that fails on a configuration file says which file and setting, from postgres's own stderr.
import { after as afterAll, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { manifest, startManager, tempDir, type ManagerHandle } from '../helpers/manager.js';
import { after, killLeftovers, superuserQuery, writeFileAtomicForTest } from '../helpers/config-tree.js';

function clusterYaml(parameters: Record<string, string>): string {
  const lines = Object.entries(parameters).map(([k, v]) => `    ${k}: "${v}"`);
  return manifest('t1', ['postgresql:', '  parameters:', ...lines].join('\n'));
}

let h: ManagerHandle;
const dir = tempDir('pgim-settingsrefused-');

before(async () => {
  h = await startManager({ dir, manifestText: clusterYaml({ work_mem: '4MB' }) });
  await h.waitForLine((l) => l.msg === 'instance ready', 60_000, 'instance ready');
});

afterAll(async () => {
  await h?.stop();
  killLeftovers(dir);
});

test('a parameter value postgres rejects is refused at error level and custom.conf restored; a valid change and a restart-only one apply', async () => {
  const customPath = join(h.stateDir, 'pgdata', 'custom.conf');
  const before = readFileSync(customPath, 'utf8');
  const refused = after(h, (l) => l.level === 'error' && typeof l.err === 'string' && l.err.includes('PostgreSQL refuses the new settings'));
  writeFileAtomicForTest(h.manifestPath, clusterYaml({ work_mem: 'banana' }));
  const line = await h.waitForLine(refused, 15_000, 'the refusal');
  assert.match(String(line.err), /custom\.conf line \d+: invalid value for parameter "work_mem": "banana"/);
  assert.equal(readFileSync(customPath, 'utf8'), before, 'the previous custom.conf is back on disk');
  assert.equal(await superuserQuery(h, 'SELECT count(*) FROM pg_file_settings WHERE error IS NOT NULL'), '0');
  assert.equal(await superuserQuery(h, 'SHOW work_mem'), '4MB');

  // A valid change of a restart-only parameter is not an error for pg_file_settings' purposes: it is pending.
  const reloaded = after(h, (l) => l.msg === 'configuration reloaded');
  const pending = after(h, (l) => l.msg === 'some settings need a postgres restart to take effect');
  writeFileAtomicForTest(h.manifestPath, clusterYaml({ work_mem: '8MB', shared_buffers: '200MB' }));
  await h.waitForLine(reloaded, 15_000, 'the reload of a valid change');
  await h.waitForLine(pending, 15_000, 'shared_buffers pending restart');
  assert.equal(await superuserQuery(h, 'SHOW work_mem'), '8MB');
});

test('a start that fails on a configuration file names the file, the line and the setting', async () => {
  const stopped = await h.stop();
  assert.equal(stopped.code, 0);
  // postgresql.auto.conf is not rewritten by the manager: the next start reads the bad value from it.
  appendFileSync(join(h.stateDir, 'pgdata', 'postgresql.auto.conf'), 'work_mem = banana\n');
  h = await startManager({ dir, manifestText: clusterYaml({ work_mem: '8MB' }) });
  const { code } = await h.exited;
  assert.notEqual(code, 0);
  const fatal = h.lines.find((l) => l.component === 'main' && l.level === 'error');
  assert.ok(fatal, 'the manager logs why it exits');
  assert.match(String(fatal.err), /postgres exited during start-up \(exit code 1\): .*invalid value for parameter "work_mem": "banana" \(postgresql\.auto\.conf line \d+\)/);
  assert.match(String(fatal.err), /configuration file ".*postgresql\.auto\.conf" contains errors/);
});
