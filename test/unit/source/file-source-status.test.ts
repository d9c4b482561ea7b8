// A status file change is the operator's word (targetPrimary for a switchover or a failover): once the text is
// whole JSON it is applied without the quiet period that guards manifests saved in pieces, while a status
// text cut short still waits for its writer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileSpecSource } from '../../../src/source/file-source.js';
import { isWholeStatusText } from '../../../src/source/status-file.js';
import type { Cluster } from '../../../src/spec/cluster.js';

const MANIFEST = ['apiVersion: postgresql.cnpg.io/v1', 'kind: Cluster', 'metadata:', '  name: c1', 'spec:', '  instances: 2', ''].join('\n');

test('isWholeStatusText: a whole JSON object only', () => {
  assert.equal(isWholeStatusText('{"targetPrimary":"c1-2"}\n'), true);
  assert.equal(isWholeStatusText('{"targetPrimary":"c1-2"'), false);
  assert.equal(isWholeStatusText(''), false);
  assert.equal(isWholeStatusText('[]'), false);
  assert.equal(isWholeStatusText(undefined), false);
});

test('a whole status edit is yielded at once; a status cut short waits for the quiet period', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pgim-filesource-status-'));
  mkdirSync(join(dir, 'secrets'));
  writeFileSync(join(dir, 'cluster.yaml'), MANIFEST);
  const statusFile = join(dir, 'status.json');
  // A quiet period far beyond the 3 s each edit is given: an edit that waited for it would fail the test.
  const source = new FileSpecSource({ manifestPath: join(dir, 'cluster.yaml'), secretsDir: join(dir, 'secrets'), statusFile, pollMs: 60_000, quietMs: 30_000 });
  const stop = new AbortController();
  try {
    await source.load();
    const seen: Cluster[] = [];
    const invalid: unknown[] = [];
    void (async () => {
      for await (const c of source.watch(stop.signal, (err) => invalid.push(err))) seen.push(c);
    })();
    await new Promise((r) => setTimeout(r, 50));
    const waitFor = async (n: number, what: string): Promise<Cluster> => {
      for (let i = 0; i < 300 && seen.length < n; i++) await new Promise((r) => setTimeout(r, 10));
      const c = seen[n - 1];
      assert.ok(c, `${what}: not yielded within 3 s`);
      return c;
    };
    writeFileSync(`${statusFile}.tmp`, JSON.stringify({ targetPrimary: 'c1-2' }));
    renameSync(`${statusFile}.tmp`, statusFile);
    assert.equal((await waitFor(1, 'the switchover request')).status['targetPrimary'], 'c1-2');
    // Written in place and cut short: neither yielded nor reported invalid while its writer may still write.
    writeFileSync(statusFile, '{"targetPrimary":"c1-1"');
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(seen.length, 1, 'a status text cut short is not applied');
    assert.deepEqual(invalid, []);
  } finally {
    stop.abort();
    rmSync(dir, { recursive: true, force: true });
  }
});
