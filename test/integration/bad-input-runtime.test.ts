// Refused environments: a PGDATA the run-as user cannot own or reach, and a postgres port already taken. Each gives a
// non-zero exit, one stderr line naming the cause, nothing half-written and no postgres left running.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, chownSync, existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { freePort, manifest, processesMentioning, startManager, tempDir } from '../helpers/manager.js';
import { runManagerToExit } from '../helpers/config-cli.js';
import { diffSnapshots, killLeftovers, snapshotTree } from '../helpers/config-tree.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) {
    killLeftovers(d);
    rmSync(d, { recursive: true, force: true });
  }
});

function setup(): { dir: string; manifestPath: string; stateDir: string } {
  const dir = tempDir('pgim-badrt-');
  dirs.push(dir);
  const manifestPath = join(dir, 'cluster.yaml');
  writeFileSync(manifestPath, manifest('t1'));
  return { dir, manifestPath, stateDir: join(dir, 'state') };
}

test('a PGDATA owned by root (0700) is refused before anything is written', { skip: process.getuid?.() !== 0 && 'needs root' }, async () => {
  const { dir, manifestPath, stateDir } = setup();
  const pgData = join(stateDir, 'pgdata');
  mkdirSync(pgData, { recursive: true });
  chownSync(pgData, 0, 0);
  chmodSync(pgData, 0o700);
  const before = snapshotTree(dir);
  const r = await runManagerToExit(['instance', 'run', '--cluster-manifest', manifestPath, '--state-dir', stateDir, '--port', String(await freePort())], dir);
  assert.notEqual(r.code, 0, r.stderr);
  assert.equal(r.stderrLines.length, 1, r.stderr);
  const line = r.stderrLines[0] ?? '';
  assert.ok(line.includes(pgData), line);
  assert.match(line, /not readable|owned by/);
  assert.deepEqual(diffSnapshots(before, snapshotTree(dir)), [], 'nothing created or chowned');
  assert.equal(statSync(pgData).uid, 0, 'PGDATA was not handed to postgres behind our back');
  assert.deepEqual(processesMentioning(dir), []);
});

test('started as root with the state folder behind a 0700 root folder: one line naming that folder, no postgres', { skip: process.getuid?.() !== 0 && 'needs root' }, async () => {
  const { dir, manifestPath } = setup();
  const locked = join(dir, 'locked');
  mkdirSync(locked, { mode: 0o700 });
  chmodSync(locked, 0o700);
  const stateDir = join(locked, 'state');
  const r = await runManagerToExit(['instance', 'run', '--cluster-manifest', manifestPath, '--state-dir', stateDir, '--port', String(await freePort())], dir);
  assert.notEqual(r.code, 0, r.stderr);
  assert.equal(r.stderrLines.length, 1, r.stderr);
  const line = r.stderrLines[0] ?? '';
  assert.ok(line.includes(`${locked} is not searchable`), line);
  assert.match(line, /user postgres cannot reach PGDATA .*mode 0700/);
  assert.ok(!existsSync(join(stateDir, 'pgdata', 'PG_VERSION')), 'no initdb ran');
  assert.deepEqual(processesMentioning(dir), []);
});

function listen(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(port, '127.0.0.1', () => resolve(s));
  });
}

test('a postgres port already in use: one line saying so, nothing half-written, no postgres left', async () => {
  const { dir, manifestPath, stateDir } = setup();
  const port = await freePort();
  const blocker = await listen(port);
  try {
    const before = snapshotTree(dir);
    const r = await runManagerToExit(['instance', 'run', '--cluster-manifest', manifestPath, '--state-dir', stateDir, '--port', String(port)], dir);
    assert.notEqual(r.code, 0, r.stderr);
    assert.equal(r.stderrLines.length, 1, r.stderr);
    const line = r.stderrLines[0] ?? '';
    assert.ok(line.includes(`port ${port} `), line);
    assert.match(line, /already in use/);
    assert.deepEqual(processesMentioning(dir), [], 'no postgres left running');
    // A taken port must not leave an initialised-but-unbootstrapped PGDATA that the next start refuses.
    assert.deepEqual(diffSnapshots(before, snapshotTree(dir)), [], 'nothing half-written');
  } finally {
    await new Promise<void>((res) => blocker.close(() => res()));
  }
  // Once the port is free, the same state dir starts normally.
  const h = await startManager({ dir, port });
  try {
    await h.waitForLine((l) => l.msg === 'instance ready', 60_000, 'instance ready after the port was freed');
  } finally {
    await h.stop();
  }
});
