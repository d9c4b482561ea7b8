// The embedded default's spec source: load() and watch() against real files. Every version the files pass
// through must reach the manager, including an edit back to an earlier text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManifestError } from '../../../src/errors.js';
import { FileSpecSource } from '../../../src/source/file-source.js';
import type { Cluster } from '../../../src/spec/cluster.js';

function clusterYaml(parameters: Record<string, string> = {}): string {
  const lines = ['apiVersion: postgresql.cnpg.io/v1', 'kind: Cluster', 'metadata:', '  name: c1', 'spec:', '  instances: 1'];
  if (Object.keys(parameters).length > 0) {
    lines.push('  postgresql:', '    parameters:', ...Object.entries(parameters).map(([k, v]) => `      ${k}: "${v}"`));
  }
  return `${lines.join('\n')}\n`;
}

function fixture(pollMs = 20): { dir: string; source: FileSpecSource; write: (text: string) => void; stop: AbortController; done: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'pgim-filesource-'));
  mkdirSync(join(dir, 'secrets'));
  const manifestPath = join(dir, 'cluster.yaml');
  const write = (text: string): void => {
    writeFileSync(`${manifestPath}.tmp`, text);
    renameSync(`${manifestPath}.tmp`, manifestPath);
  };
  write(clusterYaml());
  const source = new FileSpecSource({ manifestPath, secretsDir: join(dir, 'secrets'), statusFile: join(dir, 'status.json'), pollMs });
  const stop = new AbortController();
  return { dir, source, write, stop, done: () => { stop.abort(); rmSync(dir, { recursive: true, force: true }); } };
}

/** Collects what watch() yields and reports, resolving `next` waiters as versions arrive. */
function follow(source: FileSpecSource, signal: AbortSignal): { next: (what: string) => Promise<Cluster>; invalid: unknown[]; pending: () => number } {
  const queue: Cluster[] = [];
  const waiters: ((c: Cluster) => void)[] = [];
  const invalid: unknown[] = [];
  void (async () => {
    for await (const c of source.watch(signal, (err) => invalid.push(err))) {
      const w = waiters.shift();
      if (w) w(c);
      else queue.push(c);
    }
  })();
  const next = (what: string): Promise<Cluster> => {
    const ready = queue.shift();
    if (ready) return Promise.resolve(ready);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no new Cluster version within 3 s: ${what}`)), 3000);
      waiters.push((c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
  };
  return { next, invalid, pending: () => queue.length };
}

const workMem = (c: Cluster): string | undefined => (c.spec.postgresql.parameters)['work_mem'];

test('an edit made between load() and watch() is yielded, not taken as the starting point', async () => {
  const f = fixture();
  try {
    const first = await f.source.load();
    assert.equal(workMem(first), undefined);
    f.write(clusterYaml({ work_mem: '8MB' }));
    const w = follow(f.source, f.stop.signal);
    assert.equal(workMem(await w.next('the edit made before watch() started')), '8MB');
  } finally {
    f.done();
  }
});

test('a refused edit is reported with the manifest path, and the edit back to the running text is yielded', async () => {
  const f = fixture();
  try {
    await f.source.load();
    const w = follow(f.source, f.stop.signal);
    f.write(clusterYaml({ work_mem: '8MB' }));
    assert.equal(workMem(await w.next('work_mem 8MB')), '8MB');
    f.write('apiVersion: postgresql.cnpg.io/v1\nkind: Pod\n');
    const deadline = Date.now() + 3000;
    while (w.invalid.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.equal(w.invalid.length, 1, 'the bad edit was reported once');
    assert.ok(w.invalid[0] instanceof ManifestError);
    f.write(clusterYaml({ work_mem: '8MB' }));
    assert.equal(workMem(await w.next('the restored text')), '8MB');
    f.write(clusterYaml());
    assert.equal(workMem(await w.next('back to the first text')), undefined);
  } finally {
    f.done();
  }
});

test('a status file edit and a secret edit are each yielded; the status is merged into the Cluster', async () => {
  const f = fixture();
  try {
    await f.source.load();
    const w = follow(f.source, f.stop.signal);
    writeFileSync(join(f.dir, 'status.json'), JSON.stringify({ operatorCertificateFingerprint: 'ab:cd' }));
    const withStatus = await w.next('the status edit');
    assert.equal((withStatus.status)['operatorCertificateFingerprint'], 'ab:cd');
    mkdirSync(join(f.dir, 'secrets', 'c1-app'));
    writeFileSync(join(f.dir, 'secrets', 'c1-app', 'password'), 'x');
    await w.next('the new secret');
  } finally {
    f.done();
  }
});

test('our own status patch is not a change, but an edit under it or after it is', async () => {
  // Polled every 2 ms, so a poll also lands between a patch's rename and its return.
  const f = fixture(2);
  const statusFile = join(f.dir, 'status.json');
  const editStatus = (status: object): void => {
    writeFileSync(`${statusFile}.edit`, JSON.stringify(status));
    renameSync(`${statusFile}.edit`, statusFile);
  };
  try {
    await f.source.load();
    const w = follow(f.source, f.stop.signal);
    await f.source.patchStatus({ phase: 'Cluster in healthy state' });
    await f.source.patchStatus({ phase: 'Cluster in healthy state', instances: 1 });
    // A manifest edit after our patches is the next version yielded: the patches themselves were not.
    f.write(clusterYaml({ work_mem: '8MB' }));
    const edited = await w.next('the manifest edit after our own patches');
    assert.equal(workMem(edited), '8MB');
    assert.equal((edited.status)['instances'], 1);
    // An edit that our patch merged before watch() saw it is still yielded.
    editStatus({ phase: 'x', operatorCertificateFingerprint: 'ab:cd' });
    await f.source.patchStatus({ phase: 'Cluster in healthy state' });
    const merged = await w.next('the status edit under our patch');
    assert.equal((merged.status)['operatorCertificateFingerprint'], 'ab:cd');
    // And an edit after our patch is yielded too.
    await f.source.patchStatus({ instances: 2 });
    await new Promise((r) => setTimeout(r, 100));
    editStatus({ operatorCertificateFingerprint: 'ef:01' });
    assert.equal((await w.next('the status edit after our patch')).status['operatorCertificateFingerprint'], 'ef:01');
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(w.pending(), 0, 'nothing else was yielded');
    assert.deepEqual(w.invalid, []);
  } finally {
    f.done();
  }
});

test('with the poll 60 s away, inotify alone brings each kind of edit within 2 s', async () => {
  const f = fixture(60_000);
  const secret = join(f.dir, 'secrets', 'c1-app');
  const within = async (what: string, edit: () => void, w: ReturnType<typeof follow>): Promise<Cluster> => {
    const started = Date.now();
    edit();
    const c = await w.next(what);
    assert.ok(Date.now() - started < 2_000, `${what}: ${Date.now() - started} ms`);
    return c;
  };
  try {
    await f.source.load();
    const w = follow(f.source, f.stop.signal);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(workMem(await within('a manifest edit (temp + rename)', () => f.write(clusterYaml({ work_mem: '8MB' })), w)), '8MB');
    await within('a new secret folder', () => {
      mkdirSync(`${secret}.tmp`);
      writeFileSync(join(`${secret}.tmp`, 'password'), 'one');
      renameSync(`${secret}.tmp`, secret);
    }, w);
    // The new folder is watched from the check that found it on.
    await new Promise((r) => setTimeout(r, 50));
    await within('a key rewritten in place inside that folder', () => writeFileSync(join(secret, 'password'), 'two'), w);
    await within('a status file edit', () => writeFileSync(join(f.dir, 'status.json'), JSON.stringify({ operatorCertificateFingerprint: 'ab:cd' })), w);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(w.pending(), 0, 'one version per edit');
    assert.deepEqual(w.invalid, []);
  } finally {
    f.done();
  }
});

test('a whole status file (replaced by a rename) is applied without the quiet wait; a partial one waits for it', async () => {
  const f = fixture(60_000);
  const statusFile = join(f.dir, 'status.json');
  const source = new FileSpecSource({ manifestPath: join(f.dir, 'cluster.yaml'), secretsDir: join(f.dir, 'secrets'), statusFile, pollMs: 60_000, quietMs: 1500 });
  try {
    await source.load();
    const w = follow(source, f.stop.signal);
    await new Promise((r) => setTimeout(r, 50));
    let started = Date.now();
    writeFileSync(`${statusFile}.tmp`, JSON.stringify({ targetPrimary: 'c1-2' }));
    renameSync(`${statusFile}.tmp`, statusFile);
    assert.equal((await w.next('the status rename')).status['targetPrimary'], 'c1-2');
    assert.ok(Date.now() - started < 1000, `status applied after ${Date.now() - started} ms`);
    // A writer caught half-way: not JSON yet, so the change waits until the file stays quiet and reads the same.
    started = Date.now();
    writeFileSync(statusFile, '{"targetPrimary": "c1-');
    setTimeout(() => writeFileSync(statusFile, JSON.stringify({ targetPrimary: 'c1-3' })), 500);
    assert.equal((await w.next('the finished status write')).status['targetPrimary'], 'c1-3');
    assert.ok(Date.now() - started >= 1500, `a partial status file waited ${Date.now() - started} ms`);
    assert.deepEqual(w.invalid, []);
  } finally {
    f.done();
  }
});
