// Live edits of the manifest that are not one atomic rename: a generator writing it in place with pauses is
// applied once, complete (pg_hba.conf gets the user's own line with the rest), with no error logged; a 50 MB
// manifest is refused at once, naming the limit, while /healthz keeps answering.
import { after as afterAll, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { writeInPieces } from '../helpers/slow-writer.js';
import { manifest, secretValue, startManager, tempDir, type ManagerHandle } from '../helpers/manager.js';
import { after, killLeftovers, waitUntil, writeFileAtomicForTest } from '../helpers/config-tree.js';
import { statusRequest } from '../helpers/status-client.js';

const BASE_LINE = 'hostssl all all 127.0.0.1/32 scram-sha-256';
const USER_LINE = 'hostssl app app 10.11.12.0/24 scram-sha-256';

let h: ManagerHandle;
const dir = tempDir('pgim-liveedit-');

before(async () => {
  h = await startManager({ dir, manifestText: manifest('t1') });
  await h.waitForLine((l) => l.msg === 'instance ready', 60_000, 'instance ready');
});

afterAll(async () => {
  await h?.stop();
  killLeftovers(dir);
  rmSync(dir, { recursive: true, force: true });
});

const changed = (l: { msg?: string }): boolean => l.msg === 'Cluster changed';
const errors = (from: number): unknown[] => h.lines.slice(from).filter((l) => l.level === 'error' || l.level === 'fatal');

test('a manifest written in place in pieces with pauses is applied once, complete, and logs no error', async () => {
  const from = h.lines.length;
  // Every prefix is a valid Cluster: without pg_hba, with the first line only, then with the user's own line.
  const pieces = [manifest('t1'), '  postgresql:\n    pg_hba:\n', `      - ${BASE_LINE}\n`, `      - ${USER_LINE}\n`];
  await writeInPieces(h.manifestPath, pieces);
  const hba = join(h.stateDir, 'pgdata', 'pg_hba.conf');
  await waitUntil(() => (readFileSync(hba, 'utf8').includes(USER_LINE) ? true : undefined), 10_000, 'the user line in pg_hba.conf');
  // A sentinel edit: once its version is in, every version of the pieces has been seen too.
  writeFileAtomicForTest(h.manifestPath, `${pieces.join('')}  description: sentinel\n`);
  await h.waitForLine(after(h, changed), 10_000, 'the sentinel version');
  assert.equal(h.lines.slice(from).filter(changed).length, 2, 'the pieces once (complete), then the sentinel');
  assert.deepEqual(errors(from), []);
});

test('in-place saves (truncate, then write) log no error', async () => {
  const from = h.lines.length;
  for (let i = 1; i <= 50; i++) {
    writeFileSync(h.manifestPath, manifest('t1', `description: "save ${i}"`));
    await sleep(5);
  }
  // The saves' version, then one more edit after it: by then every read of the saves is done.
  await waitUntil(() => (h.lines.slice(from).some(changed) ? true : undefined), 10_000, 'the version of the saves');
  writeFileAtomicForTest(h.manifestPath, manifest('t1'));
  await h.waitForLine(after(h, changed), 10_000, 'back to the start text');
  assert.deepEqual(errors(from), []);
});

test('a 50 MB manifest edit is refused at once naming the limit, and /healthz keeps answering', async () => {
  const ca = secretValue(h.stateDir, 't1-ca', 'ca.crt');
  const refused = after(h, (l) => l.level === 'error' && JSON.stringify(l).includes('over the limit of 1.5 MiB'));
  const big = `${h.manifestPath}.big`;
  writeFileSync(big, manifest('t1'));
  truncateSync(big, 50_000_000);
  const started = Date.now();
  renameSync(big, h.manifestPath);
  const probes: number[] = [];
  const line = h.waitForLine(refused, 5_000, 'the refusal of the 50 MB manifest');
  let done = false;
  void line.finally(() => (done = true));
  while (!done) {
    const r = await statusRequest({ port: h.statusPort, path: '/healthz', ca, timeoutMs: 2_000 });
    assert.equal(r.status, 200);
    probes.push(r.ms);
  }
  const logged = await line;
  assert.ok(Date.now() - started < 2_000, `refused within ${Date.now() - started} ms`);
  assert.ok(JSON.stringify(logged).includes('cluster.yaml: the Cluster manifest is 47.7 MiB'), JSON.stringify(logged));
  assert.ok(Math.max(...probes) < 500, `probes answered in ${probes.join(', ')} ms`);
  assert.equal(h.lines.filter((l) => l === logged || (l.level === 'error' && JSON.stringify(l).includes('47.7 MiB'))).length, 1, 'refused once');
  writeFileAtomicForTest(h.manifestPath, manifest('t1', 'description: after'));
  await h.waitForLine(after(h, changed), 10_000, 'the next valid edit is applied');
});

test('an unknown field is warned about once, with its path, not at every version that still has it', async () => {
  const withTypo = (description: string): string => manifest('t1', `description: ${description}`).replace('metadata:\n', 'metadata:\n  lables: { team: db }\n');
  const warned = (l: { level?: string; msg?: string }): boolean => l.level === 'warning' && l.msg === 'unknown field "metadata.lables"';
  writeFileAtomicForTest(h.manifestPath, withTypo('one'));
  await h.waitForLine(after(h, changed), 10_000, 'the version with the typo');
  writeFileAtomicForTest(h.manifestPath, withTypo('two'));
  await h.waitForLine(after(h, changed), 10_000, 'a second version with the typo');
  assert.equal(h.lines.filter(warned).length, 1);
});
