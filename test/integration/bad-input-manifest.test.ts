// Refused manifests: a non-zero exit, one stderr line naming the cause (the field path where there is one),
// and nothing written: no state dir, no PGDATA, no secrets.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, manifest, tempDir } from '../helpers/manager.js';
import { runManagerToExit } from '../helpers/config-cli.js';
import { diffSnapshots, killLeftovers, snapshotTree } from '../helpers/config-tree.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) {
    killLeftovers(d);
    rmSync(d, { recursive: true, force: true });
  }
});

interface Case {
  name: string;
  /** The manifest text, or undefined for a missing file. */
  text: string | undefined;
  /** What the single stderr line must contain. */
  expect: (string | RegExp)[];
}

const CASES: Case[] = [
  { name: 'malformed YAML', text: 'apiVersion: postgresql.cnpg.io/v1\nkind: Cluster\nmetadata: [t1\nspec: {}\n', expect: ['cluster.yaml', /invalid YAML at line \d+/] },
  { name: 'wrong kind', text: manifest('t1').replace('kind: Cluster', 'kind: Pooler'), expect: ['kind', 'Pooler'] },
  { name: 'wrong apiVersion', text: manifest('t1').replace('postgresql.cnpg.io/v1', 'postgresql.cnpg.io/v2'), expect: ['apiVersion', 'postgresql.cnpg.io/v2', 'postgresql.cnpg.io/v1'] },
  {
    name: 'a parameter of the wrong type',
    text: manifest('t1', 'postgresql:\n  parameters:\n    max_connections: 100'),
    expect: ['spec.postgresql.parameters.max_connections', /string/],
  },
  {
    name: 'a fixed parameter',
    text: manifest('t1', 'postgresql:\n  parameters:\n    work_mem: "8MB"\n    archive_command: "/bin/true"'),
    expect: ['spec.postgresql.parameters.archive_command', /fixed/],
  },
  {
    name: 'a blocked parameter',
    text: manifest('t1', 'postgresql:\n  parameters:\n    listen_addresses: "*"'),
    expect: ['spec.postgresql.parameters.listen_addresses', /blocked/],
  },
  { name: 'a missing manifest file', text: undefined, expect: ['cluster.yaml', /ENOENT|no such file|cannot read/i] },
  {
    name: 'a manifest over 1.5 MiB',
    text: `${manifest('t1')}# ${'x'.repeat(2 * 1024 * 1024)}\n`,
    expect: ['cluster.yaml: the Cluster manifest is 2 MiB', 'over the limit of 1.5 MiB (1572864 bytes)'],
  },
];

for (const c of CASES) {
  test(`${c.name}: non-zero exit, one line naming the cause, nothing written`, async () => {
    const dir = tempDir('pgim-badin-');
    dirs.push(dir);
    const manifestPath = join(dir, 'cluster.yaml');
    if (c.text !== undefined) writeFileSync(manifestPath, c.text);
    const before = snapshotTree(dir);
    const r = await runManagerToExit(['instance', 'run', '--cluster-manifest', manifestPath, '--state-dir', join(dir, 'state'), '--port', String(await freePort())], dir);
    assert.notEqual(r.code, 0, r.stderr);
    assert.equal(r.signal, null);
    assert.equal(r.stderrLines.length, 1, `exactly one stderr line, got:\n${r.stderr}`);
    const line = r.stderrLines[0] ?? '';
    for (const e of c.expect) {
      if (typeof e === 'string') assert.ok(line.includes(e), `'${line}' should contain '${e}'`);
      else assert.match(line, e);
    }
    assert.deepEqual(diffSnapshots(before, snapshotTree(dir)), [], 'nothing created or changed');
    // stdout holds only JSON log lines
    for (const l of r.stdout.split('\n').filter((x) => x !== '')) assert.doesNotThrow(() => JSON.parse(l), l);
  });
}

test('an invalid manifest wins over a missing PGDATA: still nothing created with --pg-data', async () => {
  const dir = tempDir('pgim-badin-');
  dirs.push(dir);
  const manifestPath = join(dir, 'cluster.yaml');
  writeFileSync(manifestPath, manifest('t1', 'postgresql:\n  parameters:\n    port: "5433"'));
  const before = snapshotTree(dir);
  const r = await runManagerToExit(['instance', 'run', '--cluster-manifest', manifestPath, '--state-dir', join(dir, 'state'), '--pg-data', join(dir, 'data', 'pg')], dir);
  assert.notEqual(r.code, 0);
  assert.equal(r.stderrLines.length, 1, r.stderr);
  assert.match(r.stderrLines[0] ?? '', /spec\.postgresql\.parameters\.port/);
  assert.deepEqual(diffSnapshots(before, snapshotTree(dir)), []);
});
