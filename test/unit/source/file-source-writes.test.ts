// The embedded default's file source against writers that rewrite the manifest in place: a version is applied
// only once the file is complete and quiet, and a file seen half-written is no error. And what it refuses to
// read at all (too large, not a regular file, not UTF-8) is named with its limit, at load and on a live edit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { writeInPieces } from '../../helpers/slow-writer.js';
import { FileSpecSource } from '../../../src/source/file-source.js';
import type { Cluster } from '../../../src/spec/cluster.js';

const HEAD = 'apiVersion: postgresql.cnpg.io/v1\nkind: Cluster\nmetadata:\n  name: c1\nspec:\n  instances: 1\n';
const USER_LINE = 'hostssl app app 10.0.0.0/8 scram-sha-256';

interface Fixture {
  dir: string;
  manifestPath: string;
  source: FileSpecSource;
  /** An atomic edit (temp file + rename), the kind a sentinel version is written with. */
  replace: (text: string) => void;
  done: () => void;
}

function fixture(pollMs = 5_000): Fixture {
  const dir = mkdtempSync(join(tmpdir(), 'pgim-filewrites-'));
  mkdirSync(join(dir, 'secrets'));
  const manifestPath = join(dir, 'cluster.yaml');
  writeFileSync(manifestPath, HEAD);
  const source = new FileSpecSource({ manifestPath, secretsDir: join(dir, 'secrets'), statusFile: join(dir, 'status.json'), pollMs });
  const replace = (text: string): void => {
    writeFileSync(`${manifestPath}.tmp`, text);
    renameSync(`${manifestPath}.tmp`, manifestPath);
  };
  return { dir, manifestPath, source, replace, done: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Every version watch() yields and every refusal it reports, until the version `until` accepts (10 s deadline). */
async function collect(f: Fixture, act: (invalid: readonly unknown[]) => Promise<void>, until: (c: Cluster) => boolean): Promise<{ yielded: Cluster[]; invalid: unknown[] }> {
  const stop = new AbortController();
  const yielded: Cluster[] = [];
  const invalid: unknown[] = [];
  await f.source.load();
  const watching = (async () => {
    for await (const c of f.source.watch(stop.signal, (err) => invalid.push(err))) {
      yielded.push(c);
      if (until(c)) return;
    }
  })();
  const deadline = setTimeout(() => stop.abort(), 10_000);
  try {
    await act(invalid);
    await watching;
  } finally {
    clearTimeout(deadline);
    stop.abort();
  }
  assert.ok(yielded.some(until), `the awaited version came within 10 s (yielded ${yielded.length}, refused ${invalid.length})`);
  return { yielded, invalid };
}

const hba = (c: Cluster): string[] => c.spec.postgresql.pgHba;
const description = (c: Cluster): unknown => (c.raw['spec'] as Record<string, unknown>)['description'];

test('a manifest written in place in chunks with pauses is applied once, complete, and nothing is reported', async () => {
  const f = fixture();
  // Each prefix is a valid Cluster: the first lacks pg_hba, the second lacks the user's own line.
  const chunks = [HEAD, '  postgresql:\n    pg_hba:\n', '      - hostssl all all 127.0.0.1/32 scram-sha-256\n', `      - ${USER_LINE}\n`];
  try {
    const { yielded, invalid } = await collect(f, () => writeInPieces(f.manifestPath, chunks), (c) => hba(c).includes(USER_LINE));
    assert.deepEqual(yielded.map(hba), [['hostssl all all 127.0.0.1/32 scram-sha-256', USER_LINE]], 'only the complete version');
    assert.deepEqual(invalid, []);
  } finally {
    f.done();
  }
});

test('200 in-place saves (truncate, then write) report nothing and end at the last text', async () => {
  const f = fixture();
  try {
    const { yielded, invalid } = await collect(f, async () => {
      for (let i = 1; i <= 200; i++) {
        writeFileSync(f.manifestPath, `${HEAD}  description: "save ${i}"\n`); // O_TRUNC, then the text
        await new Promise((r) => setImmediate(r));
      }
    }, (c) => description(c) === 'save 200');
    assert.deepEqual(invalid, [], 'no save was seen as an empty or partial manifest');
    assert.ok(yielded.length <= 2, `coalesced: ${yielded.length} versions`);
  } finally {
    f.done();
  }
});

test('at load: a manifest over 1.5 MiB, a FIFO and Latin-1 bytes are refused naming the file and the rule', async () => {
  const f = fixture();
  try {
    truncateSync(f.manifestPath, 50_000_000);
    await assert.rejects(f.source.load(), { message: `${f.manifestPath}: the Cluster manifest is 47.7 MiB (50000000 bytes), over the limit of 1.5 MiB (1572864 bytes)` });
    rmSync(f.manifestPath);
    execFileSync('mkfifo', [f.manifestPath]);
    await assert.rejects(f.source.load(), { message: `${f.manifestPath}: the Cluster manifest is a FIFO, not a regular file` });
    rmSync(f.manifestPath);
    writeFileSync(f.manifestPath, Buffer.from(`${HEAD}  description: caf\xe9\n`, 'latin1'));
    await assert.rejects(f.source.load(), (err: unknown) => String(err).includes(`the Cluster manifest is not UTF-8: invalid byte 0xE9 at byte offset ${HEAD.length + 18}`));
  } finally {
    f.done();
  }
});

test('on a live edit: a 50 MB manifest is refused once, at once, and the running version stays', async () => {
  const f = fixture();
  try {
    const { invalid } = await collect(f, async (refused) => {
      const big = `${f.manifestPath}.big`;
      writeFileSync(big, '');
      truncateSync(big, 50_000_000);
      const started = Date.now();
      renameSync(big, f.manifestPath);
      const deadline = started + 5_000;
      while (refused.length === 0 && Date.now() < deadline) await sleep(10);
      assert.ok(Date.now() - started < 2_000, `refused within ${Date.now() - started} ms`);
      f.replace(`${HEAD}  description: after\n`);
    }, (c) => description(c) === 'after');
    assert.equal(invalid.length, 1);
    assert.match(String(invalid[0]), /cluster\.yaml: the Cluster manifest is 47\.7 MiB .* over the limit of 1\.5 MiB/);
  } finally {
    f.done();
  }
});

test('a Secret value over 1 MiB or a FIFO in a Secret folder is refused naming the file', async () => {
  const f = fixture();
  const folder = join(f.dir, 'secrets', 'c1-app');
  mkdirSync(folder);
  try {
    writeFileSync(join(folder, 'username'), 'app');
    assert.equal((await f.source.getSecret('c1-app'))?.data['username']?.toString(), 'app');
    writeFileSync(join(folder, 'password'), '');
    truncateSync(join(folder, 'password'), 1024 * 1024 + 1);
    await assert.rejects(f.source.getSecret('c1-app'), { message: `value file ${join(folder, 'password')} is 1 MiB (1048577 bytes), over the limit of 1 MiB (1048576 bytes)` });
    rmSync(join(folder, 'password'));
    execFileSync('mkfifo', [join(folder, 'password')]);
    await assert.rejects(f.source.getSecret('c1-app'), /password is a FIFO, not a regular file/);
  } finally {
    f.done();
  }
});
